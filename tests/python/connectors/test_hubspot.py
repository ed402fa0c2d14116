"""The HubSpot adapter (docs/connectors/hubspot.md): the same book landed as HubSpot lands it and
as the contract gives the same marts, both reconciliations add up, the identity map finds the
CRM account of every company when HubSpot holds only the tickets, the lander's quirks are all
exercised, and a missing optional table or column is a missing signal, not a failed build.

Two parity pairs are built (CRM in HubSpot; CRM and support in HubSpot) and one connector-only
build (support in HubSpot under the contract CRM, for the identity map). The mapping edge cases
and HubSpot's two engagement layouts are dbt unit tests (models/staging/hubspot/
_hubspot__unit_tests.yml), run by those builds: a test here checks that they ran and passed.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from customer_health import dbt as dbt_runner
from customer_health import loader
from customer_health.generator import connectors
from customer_health.generator.connectors import hubspot
from customer_health.warehouse import Warehouse

from . import harness

CRM = connectors.Shapes(crm="hubspot")
BOTH = connectors.Shapes(crm="hubspot", support="hubspot")
SUPPORT = connectors.Shapes(support="hubspot")

HUBSPOT_UNIT_TESTS = {
    CRM: {
        "test_stg_hubspot__engagements_older_layout",
        "test_stg_hubspot__engagements_v3_layout",
        "test_stg_hubspot__contract_activities_outcomes_and_companies",
        "test_stg_hubspot__contract_activities_unlogged_meetings",
        "test_stg_hubspot__deal_outcomes_companies_stages_kinds",
        "test_stg_hubspot__contract_contracts_terms_and_status",
        "test_stg_hubspot__contract_accounts_properties",
        "test_stg_hubspot__contract_contacts_buying_roles",
    },
    SUPPORT: {
        "test_stg_hubspot__contract_tickets_through_identity_map",
        "test_stg_hubspot__account_keys_domains",
    },
}
HUBSPOT_UNIT_TESTS[BOTH] = HUBSPOT_UNIT_TESTS[CRM] | {
    "test_stg_hubspot__contract_tickets_stages_priorities"
}


def _warehouse(path: Path) -> Warehouse:
    return replace(Warehouse.from_env("duckdb"), duckdb_path=path)


def _pair(directory: Path, shapes: connectors.Shapes) -> tuple[harness.Pair, dict[str, str]]:
    """harness.duckdb_pair, keeping the unit test results of the connector build."""
    frames = harness.book_frames(**harness.PARITY_BOOK)
    conn = _warehouse(directory / "connector.duckdb")
    equiv = _warehouse(directory / "equivalent.duckdb")
    unit_tests: dict[str, str] = {}
    landing = harness.build_connector(conn, shapes, frames, unit_tests=unit_tests)
    harness.build_equivalent(equiv, landing)
    return harness.Pair(shapes, conn, equiv, landing), unit_tests


@pytest.fixture(scope="module")
def both_pair(combo_b: harness.Pair) -> tuple[harness.Pair, dict[str, str]]:
    """Combination B (conftest): HubSpot for the CRM and support, Segment for usage; with the
    results of the HubSpot unit tests run on its connector build."""
    result = dbt_runner.run(
        ["test", "--select", "test_type:unit,path:models/staging/hubspot"],
        combo_b.connector,
        dbt_vars=harness.build_vars(combo_b.shapes),
        quiet=True,
    )
    return combo_b, {r.node.name: str(r.status) for r in result.result.results}


@pytest.fixture(scope="module")
def support_only(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Warehouse, connectors.Landing, dict[str, str]]:
    """Support in HubSpot, the CRM in the contract: the connector side only."""
    wh = _warehouse(tmp_path_factory.mktemp("hubspot_support") / "connector.duckdb")
    frames = harness.book_frames(**harness.PARITY_BOOK)
    unit_tests: dict[str, str] = {}
    landing = harness.build_connector(wh, SUPPORT, frames, unit_tests=unit_tests)
    return wh, landing, unit_tests


@pytest.fixture(scope="module")
def landing() -> connectors.Landing:
    return connectors.land(harness.book_frames(**harness.PARITY_BOOK), BOTH)


# ------------------------------------------------------------------------------------ parity


def test_crm_in_hubspot_gives_the_same_marts(both_pair) -> None:
    pair, _ = both_pair
    assert len(harness.mart(pair.connector)) > 50
    assert harness.differences(pair) == []


def test_crm_and_support_in_hubspot_give_the_same_marts(both_pair) -> None:
    pair, _ = both_pair
    assert harness.differences(pair) == []
    # the support signals came through HubSpot: tickets staged for most accounts
    staged = pair.connector.query_df(
        "select count(*) as n, count(distinct account_id) as accounts "
        "from staging.stg_support__tickets"
    )
    assert int(staged.loc[0, "n"]) > 1000 and int(staged.loc[0, "accounts"]) > 50


def test_both_reconciliations_add_up(both_pair) -> None:
    pair, _ = both_pair
    for wh in (pair.connector, pair.equivalent):
        gaps = harness.reconciliation_gaps(wh)
        assert gaps.empty, gaps.to_string()
    rows = pair.connector.query_df(
        "select connector_table, contract_table, connector_rows, mapped_rows, unused_rows "
        "from quarantine.connector_reconciliation where connector = 'hubspot'"
    ).set_index(["connector_table", "contract_table"])
    expected = {
        ("company", "crm.accounts"),
        ("contact", "crm.contacts"),
        ("deal", "crm.opportunities"),
        ("deal", "crm.contracts"),
        ("engagement_meeting", "crm.activities"),
        ("engagement_call", "crm.activities"),
        ("engagement_email", "crm.activities"),
        ("ticket", "support.tickets"),
    }
    assert set(rows.index) == expected
    # unanswered calls and new-business deals are left out on purpose, with a reason
    assert rows.loc[("engagement_call", "crm.activities"), "unused_rows"] == 10
    assert rows.loc[("deal", "crm.opportunities"), "unused_rows"] > 50


def test_hubspot_unit_tests_ran_and_passed(both_pair, support_only) -> None:
    for shapes, results in ((BOTH, both_pair[1]), (SUPPORT, support_only[2])):
        ran = {name: status for name, status in results.items() if "hubspot" in name}
        assert set(ran) == HUBSPOT_UNIT_TESTS[shapes], shapes
        assert set(ran.values()) == {"pass"}, ran


# ------------------------------------------------------------------- identity (support only)


def test_identity_map_matches_every_company_of_the_book(support_only) -> None:
    wh, landing, _ = support_only
    accounts = harness.book_frames(**harness.PARITY_BOOK)["crm.accounts"]
    deleted = set(accounts.loc[accounts["_is_deleted"], "account_id"])
    companies = landing.connector["hubspot.company"]
    ids = dict(zip(companies["id"].astype(str), companies["property_name"], strict=True))
    matched = wh.query_df(
        "select source_account_id, crm_account_id, match_method, match_status "
        "from intermediate.int_identity__account_map where source_system = 'hubspot'"
    )
    assert len(matched) == len(companies)
    names = accounts.drop_duplicates("account_id", keep="last").set_index("account_id")
    unmatched = matched[matched["match_status"] != "matched"]
    # only the companies of soft-deleted CRM accounts stay unmatched (the map skips those)
    assert {ids[i] for i in unmatched["source_account_id"]} == {
        names.loc[a, "account_name"] for a in deleted
    }
    live = matched[matched["match_status"] == "matched"]
    # each company found its own account, some through the CRM id, others only by domain
    assert set(live["match_method"]) == {"explicit_id", "domain"}
    named = live.assign(name=live["source_account_id"].map(ids))
    assert (named["crm_account_id"].map(names["account_name"]) == named["name"]).all()


def test_support_only_tickets_stage_as_their_equivalent(support_only) -> None:
    wh, landing, _ = support_only
    staged = wh.query_df(
        "select ticket_id, account_id, priority, status, created_at, solved_at, requester_id "
        "from staging.stg_support__tickets"
    ).set_index("ticket_id")
    equivalent = landing.equivalent["support.tickets"].set_index("ticket_id")
    live = equivalent[equivalent["account_id"].notna()]
    assert set(staged.index) == set(live.index)
    joined = staged.merge(live, left_index=True, right_index=True, suffixes=("", "_expected"))
    assert (joined["account_id"] == joined["account_id_expected"]).all()
    assert (joined["priority"] == joined["priority_expected"]).all()
    assert (joined["status"] == joined["status_expected"]).all()
    assert joined["requester_id"].isna().all()
    created = pd.to_datetime(joined["created_at_expected"], utc=True).dt.tz_localize(None)
    assert (pd.to_datetime(joined["created_at"]) == created).all()


# --------------------------------------------------------------------------------- quarantine


def test_rows_that_cannot_be_mapped_are_quarantined_with_a_reason(both_pair) -> None:
    pair, _ = both_pair
    reasons = pair.connector.query_df(
        "select raw_table, quarantine_reason, quarantine_detail from quarantine.quarantine "
        "where quarantine_reason = 'unmappable_row'"
    )
    activities = reasons[reasons["raw_table"] == "crm.activities"]
    tickets = reasons[reasons["raw_table"] == "support.tickets"]
    assert len(activities) == 4 and len(tickets) == 3
    assert activities["quarantine_detail"].str.contains("no engagement_company row").all()
    assert tickets["quarantine_detail"].str.contains("no ticket_company row").all()


def test_both_engagement_layouts_reach_the_activities(both_pair) -> None:
    pair, _ = both_pair
    layouts = pair.connector.query_df(
        "select engagements.api_layout, activities.activity_type, activities.outcome, "
        "count(*) as n "
        "from staging.stg_crm__activities as activities "
        "inner join staging.stg_hubspot__engagements as engagements "
        "on activities.activity_id = cast(engagements.engagement_id as varchar) "
        "group by 1, 2, 3"
    )
    for layout in ("v2", "v3"):
        rows = layouts[layouts["api_layout"] == layout]
        assert {"meeting", "call", "email"} <= set(rows["activity_type"]), layout
        assert {"held", "cancelled", "no_show"} <= set(rows["outcome"]), layout


def test_a_missing_table_or_column_is_a_missing_signal(both_pair, tmp_path) -> None:
    """Connectors sync the objects enabled, and exports lack columns: the adapter still builds."""
    pair, _ = both_pair
    path = tmp_path / "missing.duckdb"
    pair.connector.execute("checkpoint")  # dbt-duckdb may keep recent changes in the WAL
    shutil.copy(pair.connector.duckdb_path, path)
    wh = _warehouse(path)
    with wh.connect() as con:
        cur = con.cursor()
        cur.execute("drop table hubspot.engagement_call")
        cur.execute("drop table hubspot.owner")
        for column in ("start_time", "end_time", "meeting_outcome", "title"):
            cur.execute(f"alter table hubspot.engagement_meeting drop column {column}")
        for column in ("property_segment", "property_domain", "is_deleted"):
            cur.execute(f"alter table hubspot.company drop column {column}")
    dbt_runner.run(
        ["run", "--select", "path:models/staging/hubspot"],
        wh,
        dbt_vars=harness.build_vars(BOTH),
        quiet=True,
    )
    accounts = wh.query_df(
        "select count(*) as n, count(segment) as segments, count(owner_csm) as csms "
        "from staging.stg_hubspot__contract_accounts"
    )
    # the segment falls back to the employee bands; no owner table, no CSM
    assert int(accounts.loc[0, "segments"]) == int(accounts.loc[0, "n"]) > 50
    assert int(accounts.loc[0, "csms"]) == 0
    calls = wh.query_df(
        "select connector_rows from staging.stg_hubspot__reconciliation "
        "where connector_table = 'engagement_call'"
    )
    assert int(calls.iloc[0, 0]) == 0
    # older-layout meetings lost their outcome column: quarantined, not guessed
    meetings = wh.query_df(
        "select _mapping_issue, count(*) as n from staging.stg_hubspot__contract_activities "
        "where activity_type = 'meeting' group by 1"
    ).set_index("_mapping_issue")["n"]
    assert meetings.get("meeting_without_outcome", 0) > 100


# ------------------------------------------------------------------------- lander (no build)


def test_lander_quirks(landing) -> None:
    tables = landing.connector
    company = tables["hubspot.company"]
    # HubSpot's bigint ids, and the contract id kept in a property
    assert str(company["id"].dtype) == "Int64"
    assert set(landing.crm_ids) == set(company["property_account_number"])
    assert landing.crm_ids == dict(
        zip(company["property_account_number"], company["id"].astype(str), strict=True)
    )
    # soft deletes in the v2 flag (is_deleted) and the v3 one (_fivetran_deleted)
    flagged = [tables[f"hubspot.{t}"] for t in ("company", "deal", "ticket")]
    assert any(frame["is_deleted"].any() for frame in flagged)
    assert any(frame["_fivetran_deleted"].any() for frame in flagged)
    deal = tables["hubspot.deal"]
    # domain only, website only; segment through numberofemployees
    assert (company["property_domain"].isna() & company["property_website"].notna()).any()
    assert (company["property_domain"].notna() & company["property_website"].isna()).any()
    assert company["property_segment"].isna().any()
    # deals: single-currency portals, terms without end-date property, non-primary links
    assert deal["property_deal_currency_code"].isna().any()
    assert deal["property_contract_end_date"].isna().any()
    assert set(tables["hubspot.deal_company"]["type_id"]) == {5, 341}
    assert {"closedwon", "closedlost"} & set(deal["deal_pipeline_stage_id"])
    # both engagement layouts, RESCHEDULED meetings, unanswered calls, notes and tasks
    meeting = tables["hubspot.engagement_meeting"]
    assert meeting["meeting_outcome"].notna().any()
    assert meeting["property_hs_meeting_outcome"].notna().any()
    outcomes = set(meeting["meeting_outcome"].dropna()) | set(
        meeting["property_hs_meeting_outcome"].dropna()
    )
    assert {"COMPLETED", "CANCELED", "RESCHEDULED", "NO_SHOW"} <= outcomes
    assert {"NO_ANSWER", "BUSY", "FAILED"} & set(
        tables["hubspot.engagement_call"]["property_hs_call_status"].dropna()
    )
    assert {"NOTE", "TASK"} <= set(tables["hubspot.engagement"]["type"])
    # tickets: HubSpot priorities and pipeline stages
    ticket = tables["hubspot.ticket"]
    assert set(ticket["property_hs_ticket_priority"].dropna()) <= {
        "LOW",
        "MEDIUM",
        "HIGH",
        "URGENT",
    }
    stages = set(tables["hubspot.ticket_pipeline_stage"]["stage_id"])
    assert set(ticket["property_hs_pipeline_stage"]) <= stages


def test_lander_one_row_per_object_and_ids_agree_across_families(landing) -> None:
    tables = landing.connector
    for table, key in (
        ("company", "id"),
        ("contact", "id"),
        ("deal", "deal_id"),
        ("engagement", "id"),
        ("ticket", "id"),
        ("owner", "owner_id"),
    ):
        frame = tables[f"hubspot.{table}"]
        assert frame[key].is_unique, table
    companies = set(tables["hubspot.company"]["id"])
    assert set(tables["hubspot.ticket_company"]["company_id"]) <= companies
    assert set(tables["hubspot.engagement_company"]["company_id"]) <= companies
    contacts = set(tables["hubspot.contact"]["id"])
    assert set(tables["hubspot.ticket_contact"]["contact_id"]) <= contacts
    # the equivalent holds what HubSpot cannot carry as missing
    assert landing.equivalent["crm.sentiment"].empty
    tickets = landing.equivalent["support.tickets"]
    assert tickets["csat_score"].isna().all() and tickets["reopened_count"].isna().all()


def test_land_and_equivalent_agree_and_do_not_touch_the_input() -> None:
    frames = harness.book_frames(**harness.PARITY_BOOK)
    before = {k: v.copy() for k, v in frames.items()}
    ctx = connectors.LandingContext(rng=np.random.default_rng(3), shapes=BOTH)
    first = hubspot.land(frames, ctx)
    again = hubspot.land(frames, ctx)
    for key, frame in first.items():
        pd.testing.assert_frame_equal(frame, again[key])
    hubspot.equivalent(frames, ctx)
    for key, frame in before.items():
        pd.testing.assert_frame_equal(frame, frames[key])


def test_loaded_types_are_the_documented_ones(landing, tmp_path) -> None:
    wh = _warehouse(tmp_path / "types.duckdb")
    loader.load_tables(wh, landing.connector)
    columns = wh.query_df(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'hubspot'"
    )
    types = {(r.table_name, r.column_name): r.data_type for r in columns.itertuples()}
    assert types[("company", "id")] == "BIGINT"
    assert types[("deal", "deal_id")] == "BIGINT"
    assert types[("deal", "property_amount")] == "DOUBLE"
    assert types[("deal", "property_closedate")] == "TIMESTAMP"
    assert types[("company", "_fivetran_deleted")] == "BOOLEAN"
    assert types[("engagement_meeting", "engagement_id")] == "BIGINT"
    assert types[("deal_pipeline_stage", "stage_id")] == "VARCHAR"
