"""The Salesforce adapter (docs/connectors/salesforce.md).

- Parity: the demo book landed as the Salesforce connector lands it and as its contract
  equivalent gives the same mart_account_health, and both reconcile.
- The lander's quirks are there (15-character references, ids that differ only in case,
  invitee copies, merged-away accounts, ...), so that parity proves the adapter copes.
- A hand-written export in the API spelling (AccountId, IsDeleted, Customer_Segment__c),
  with a history-mode table, a `_fivetran_active = false` row, optional columns and a whole
  table missing, builds and maps as documented.

The dbt unit tests in models/staging/salesforce/_salesforce__models.yml (15- and 18-character
ids, picklists, fallbacks) run inside the parity build.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import pytest

from customer_health import dbt as dbt_runner
from customer_health import loader
from customer_health.generator.connectors import Shapes, salesforce
from customer_health.warehouse import Warehouse

from . import harness

SHAPES = Shapes(crm="salesforce")


@pytest.fixture(scope="module")
def pair(combo_a):
    """Combination A (conftest): Salesforce for the CRM, with the other families' connectors."""
    return combo_a


def test_mart_is_the_same_as_the_contract_path(pair):
    assert harness.differences(pair) == []
    assert len(harness.mart(pair.connector)) > 0


def test_both_builds_reconcile(pair):
    assert harness.reconciliation_gaps(pair.connector).empty
    assert harness.reconciliation_gaps(pair.equivalent).empty


def test_connector_reconciliation_counts_the_rows_left_out(pair):
    rec = pair.connector.query_df(
        "select * from quarantine.connector_reconciliation where connector = 'salesforce'"
    ).set_index("connector_table")
    assert set(rec.index) == {
        "account",
        "user",
        "contact",
        "task",
        "event",
        "opportunity",
        "contract",
    }
    landed = pair.landing.connector
    for table, row in rec.iterrows():
        assert row["connector_rows"] == len(landed[f"salesforce.{table}"])
    events = landed["salesforce.event"]
    assert rec.loc["event", "unused_rows"] == int(
        events["is_child"].sum() + events["is_recurrence"].sum()
    )
    assert "invitee copy" in rec.loc["event", "unused_reason"]
    assert rec.loc["opportunity", "unused_rows"] == int(
        (landed["salesforce.opportunity"]["type"] == "New Customer").sum()
    )
    assert rec.loc["contract", "unused_rows"] == 2  # drafts
    assert rec.loc["task", "unused_rows"] > 0  # to-dos and open calls


def test_account_ids_are_the_salesforce_ids(pair):
    accounts = pair.connector.query_df("select account_id from staging.stg_crm__accounts")
    assert accounts["account_id"].str.len().eq(18).all()
    assert accounts["account_id"].str.startswith("001").all()
    assert set(accounts["account_id"]) <= set(pair.landing.crm_ids.values())


def test_lander_quirks():
    frames = harness.book_frames(**harness.PARITY_BOOK)
    from customer_health.generator import connectors

    landing = connectors.land(frames, SHAPES)
    tables = {k.partition(".")[2]: v for k, v in landing.connector.items()}
    account = tables["account"]
    ids = account["id"]
    assert ids.str.len().eq(18).all() and ids.is_unique
    assert all(salesforce.to18(i[:15]) == i for i in ids)
    # two accounts whose 15-character ids differ only in case, referenced in that form
    short = ids.str[:15]
    twins = short[short.str.lower().duplicated(keep=False)]
    assert len(twins) == 2 and twins.nunique() == 2
    contact_refs = tables["contact"]["account_id"].dropna()
    assert set(twins) <= set(contact_refs)
    assert contact_refs.str.len().eq(15).any() and contact_refs.str.len().eq(18).any()
    assert account["parent_id"].dropna().str.len().eq(15).any()
    # the contract account id is kept in account_number; merged-away copies are deleted
    merged = account[account["master_record_id"].notna()]
    assert len(merged) == 2 and merged["is_deleted"].all()
    assert set(account["account_number"]) == set(frames["crm.accounts"]["account_id"])
    assert account["customer_segment_c"].isna().any()
    # prefixes, invitee copies, leads, soft deletes, the sync column
    for table, prefix in {
        "contact": "003",
        "user": "005",
        "opportunity": "006",
        "task": "00T",
        "event": "00U",
        "contract": "800",
    }.items():
        assert tables[table]["id"].str.startswith(prefix).all(), table
        assert "_fivetran_synced" in tables[table]
    assert tables["event"]["is_child"].any()
    assert tables["task"]["who_id"].dropna().str.startswith("00Q").any()
    assert tables["user"]["_fivetran_deleted"].any()
    assert tables["task"]["is_deleted"].any()
    # the equivalent has no sentiment (no Salesforce object) and the merged-away accounts
    assert landing.equivalent["crm.sentiment"].empty
    assert len(landing.equivalent["crm.accounts"]) == len(account)


# ------------------------------------------------------------------ hand-written export
def _id(prefix: str, code: str) -> str:
    return salesforce.to18(f"{prefix}Dn000{code}")


ACC_A, ACC_B, ACC_C = _id("001", "abcDEFg"), _id("001", "ABCdefG"), _id("001", "xyzPQRs")
USER = _id("005", "usrAAAa")
SYNC = pd.Timestamp("2026-09-01 06:00:00")
FAR = pd.Timestamp("9999-12-31 23:59:59")


def _api_export() -> dict[str, pd.DataFrame]:
    """A small export in the API spelling; opportunity in history mode; no task table."""
    account = pd.DataFrame(
        {
            "Id": [ACC_A, ACC_B, ACC_C],
            "Name": ["Alpha", "Beta", "Gamma"],
            "Type": ["Customer", "Former Customer", "Prospect"],
            "Website": ["alpha.example", "beta.example", None],
            "OwnerId": [USER, USER, USER],
            "ParentId": [None, None, ACC_B[:15]],
            "CreatedDate": pd.to_datetime(
                ["2024-01-02 10:00", "2024-02-03 11:00", "2024-03-04 12:00"]
            ),
            "NumberOfEmployees": pd.array([50, 5000, 300], dtype="Int64"),
            "Customer_Segment__c": ["Mid-Market", None, None],
            "IsDeleted": [False, False, False],
            "_fivetran_synced": [SYNC] * 3,
        }
    )
    user = pd.DataFrame(
        {
            "Id": [USER],
            "Name": ["Dana Whitfield"],
            "IsActive": [True],
            "_fivetran_deleted": [False],
            "_fivetran_synced": [SYNC],
        }
    )
    contact = pd.DataFrame(
        {
            "Id": [_id("003", "ctcAAAa"), _id("003", "ctcAAAb")],
            "AccountId": [ACC_A[:15], ACC_B],
            "Title": ["Head of Operations", "Analyst"],
            "Email": ["jo@alpha.example", None],
            "CreatedDate": pd.to_datetime(["2024-01-05 09:00", "2024-02-06 09:00"]),
            "IsDeleted": [False, False],
            "_fivetran_active": [True, False],
            "_fivetran_synced": [SYNC] * 2,
        }
    )
    event = pd.DataFrame(
        {
            "Id": [_id("00U", "evtAAAa"), _id("00U", "evtAAAb")],
            "AccountId": [ACC_A, ACC_A],
            "WhoId": [_id("003", "ctcAAAa")[:15], _id("003", "ctcAAAa")],
            "Type": ["Meeting", "Meeting"],
            "StartDateTime": pd.to_datetime(["2026-08-20 15:00", "2026-08-20 15:00"]),
            "IsChild": [False, True],
            "IsDeleted": [False, False],
            "_fivetran_synced": [SYNC] * 2,
        }
    )
    o1, o2 = _id("006", "oppAAAa"), _id("006", "oppAAAb")
    contract_id = _id("800", "kttAAAa")
    t1, t2, t3 = pd.Timestamp("2026-01-10"), pd.Timestamp("2026-02-15"), pd.Timestamp("2026-03-01")
    opportunity = pd.DataFrame(
        {
            "Id": [o1, o1, o2],
            "AccountId": [ACC_A[:15], ACC_A[:15], ACC_B],
            "ContractId": [contract_id[:15], contract_id[:15], None],
            "Type": ["Renewal", "Renewal", "Renewal"],
            "StageName": ["Negotiation/Review", "Closed Won", "Negotiation/Review"],
            "IsClosed": [False, True, False],
            "IsWon": [False, True, False],
            "CloseDate": pd.to_datetime(["2026-02-15", "2026-02-15", "2026-06-30"]),
            "Amount": [1000.0, 1200.0, 800.0],
            "IsDeleted": [False, False, False],
            "_fivetran_synced": [SYNC] * 3,
            "_fivetran_start": [t1, t2, t1],
            "_fivetran_end": [t2 - pd.Timedelta(seconds=1), FAR, t3],
            "_fivetran_active": [False, True, False],  # o2's last version closed: deleted
        }
    )
    contract = pd.DataFrame(
        {
            "Id": [contract_id],
            "AccountId": [ACC_A],
            "Status": ["Activated"],
            "StartDate": [dt.date(2026, 2, 15)],
            "ContractTerm": pd.array([12], dtype="Int64"),
            "IsDeleted": [False],
            "_fivetran_synced": [SYNC],
        }
    )
    tables = {
        "account": account,
        "user": user,
        "contact": contact,
        "event": event,
        "opportunity": opportunity,
        "contract": contract,
    }
    return {f"salesforce.{k}": v for k, v in tables.items()}


@pytest.fixture(scope="module")
def api_export(tmp_path_factory):
    wh = replace(
        Warehouse.from_env("duckdb"), duckdb_path=tmp_path_factory.mktemp("sf_api") / "api.duckdb"
    )
    loader.load_tables(wh, _api_export())
    dbt_runner.run(
        ["run", "--select", "staging.salesforce"],
        wh,
        dbt_vars={**SHAPES.dbt_vars(), "as_of_date": "2026-09-01"},
        quiet=True,
    )
    return wh


def _view(wh: Warehouse, name: str, key: str) -> pd.DataFrame:
    return (
        wh.query_df(f"select * from staging.stg_salesforce__contract_{name}")
        .sort_values(key)
        .reset_index(drop=True)
    )


def test_api_spelling_accounts(api_export):
    accounts = _view(api_export, "accounts", "account_id").set_index("account_id")
    assert list(accounts.index) == sorted([ACC_A, ACC_B, ACC_C])
    assert accounts.loc[ACC_C, "parent_account_id"] == ACC_B  # 15-character ParentId
    assert accounts.loc[ACC_A, "segment"] == "mid_market"  # Customer_Segment__c
    assert accounts.loc[ACC_B, "segment"] == "enterprise"  # from NumberOfEmployees
    assert accounts.loc[ACC_C, "segment"] == "mid_market"
    assert accounts.loc[ACC_A, "account_status"] == "active"
    assert accounts.loc[ACC_B, "account_status"] == "churned"
    assert pd.isna(accounts.loc[ACC_C, "account_status"])
    assert (accounts["owner_csm"] == "Dana Whitfield").all()
    assert accounts["region"].isna().all()  # no region field: a missing signal
    assert not accounts["_is_deleted"].any()
    assert accounts.loc[ACC_A, "created_date"] == pd.Timestamp("2024-01-02")


def test_api_spelling_contacts(api_export):
    contacts = _view(api_export, "contacts", "contact_id")
    # the _fivetran_active = false row is left out; the role comes from the title
    assert len(contacts) == 1
    row = contacts.iloc[0]
    assert row["account_id"] == ACC_A and row["role"] == "sponsor"
    assert row["active_from"] == pd.Timestamp("2024-01-05")


def test_api_spelling_events_and_missing_task_table(api_export):
    activities = _view(api_export, "activities", "activity_id")
    assert len(activities) == 1  # the invitee copy is left out; no task table
    row = activities.iloc[0]
    assert row["contact_id"] == _id("003", "ctcAAAa")
    assert (row["activity_type"], row["outcome"]) == ("meeting", "held")


def test_history_mode_opportunities_and_contract_fallbacks(api_export):
    opps = _view(api_export, "opportunities", "_loaded_at")
    # every version is mapped, dated by _fivetran_start: the base model keeps the latest
    o1 = opps[opps["opportunity_id"] == _id("006", "oppAAAa")]
    assert list(o1["stage"]) == ["open", "closed_won"]
    assert (o1["account_id"] == ACC_A).all() and (o1["currency"] == "USD").all()
    o2 = opps[opps["opportunity_id"] == _id("006", "oppAAAb")]
    assert o2["_is_deleted"].all()  # its last version is no longer active
    contracts = _view(api_export, "contracts", "contract_id")
    row = contracts.iloc[0]
    assert row["end_date"] == pd.Timestamp("2027-02-14")  # StartDate + ContractTerm
    assert row["renewal_date"] == pd.Timestamp("2027-02-15")
    assert row["arr_amount"] == 1200.0  # the won version of the linked opportunity only
    assert row["status"] == "active" and row["currency"] == "USD"


def test_api_spelling_reconciliation(api_export):
    rec = api_export.query_df("select * from staging.stg_salesforce__reconciliation").set_index(
        "connector_table"
    )
    assert "task" not in rec.index
    assert (rec["connector_rows"] == rec["mapped_rows"] + rec["unused_rows"]).all()
    assert rec.loc["contact", "unused_rows"] == 1
    assert "_fivetran_active" in rec.loc["contact", "unused_reason"]
    assert rec.loc["opportunity", "connector_rows"] == 3
