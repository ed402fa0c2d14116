"""Zendesk adapter (docs/connectors/zendesk.md): the demo book landed as Zendesk gives the same
mart_account_health as its contract equivalent, both reconciliations add up, the identity map
matches every organization, the lander plants the quirks the adapter must handle, the adapter's
dbt unit tests run, and each identity case reaches the quarantine (or not) end to end."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from customer_health import dbt as dbt_runner
from customer_health import loader
from customer_health.generator import connectors
from customer_health.generator.connectors import Shapes
from customer_health.warehouse import Warehouse
from tests.python.connectors import harness

SHAPES = Shapes(support="zendesk")

# the adapter's dbt unit tests (models/staging/zendesk/_zendesk__unit_tests.yml)
UNIT_TESTS = {
    "test_zendesk_identity_explicit_id_match",
    "test_zendesk_identity_domain_match",
    "test_zendesk_identity_ambiguous_domain",
    "test_zendesk_identity_unmatched",
    "test_zendesk_identity_override_wins",
    "test_zendesk_account_keys_domains",
    "test_zendesk_tickets_merged_and_deleted",
    "test_zendesk_ticket_facts_status_history",
    "test_zendesk_ticket_facts_first_reply_and_csat",
    "test_zendesk_contract_tickets_identity_issues",
    "test_zendesk_contract_tickets_vocabularies",
}


@pytest.fixture(scope="module")
def pair(combo_a: harness.Pair) -> harness.Pair:
    """Combination A (conftest): Zendesk for support, with the other families' connectors."""
    return combo_a


def test_marts_equal_to_the_contract_equivalent(pair: harness.Pair) -> None:
    assert harness.differences(pair) == []


def test_support_quarantine_equal_to_the_contract_equivalent(pair: harness.Pair) -> None:
    sql = (
        "select quarantine_reason, count(*) as n from quarantine.quarantine"
        " where raw_table = 'support.tickets' group by 1 order by 1"
    )
    connector, contract = pair.connector.query_df(sql), pair.equivalent.query_df(sql)
    assert connector.to_dict("records") == contract.to_dict("records")
    staged = "select count(*) as n from staging.stg_support__tickets"
    assert pair.connector.query_df(staged).n[0] == pair.equivalent.query_df(staged).n[0] > 0


def test_staged_tickets_equal_to_the_contract_equivalent(pair: harness.Pair) -> None:
    """Every staged column, including those no factor reads yet (first_response_at,
    requester_id, status): the mart alone would not see them."""
    columns = (
        "ticket_id, account_id, requester_id, org_id, priority, status, subject,"
        " reopened_count, csat_score, created_at, first_response_at, solved_at, is_deleted,"
        " loaded_at"
    )
    sql = f"select {columns} from staging.stg_support__tickets order by ticket_id"
    connector, contract = pair.connector.query_df(sql), pair.equivalent.query_df(sql)
    assert len(connector) == len(contract) > 0
    for column in connector.columns:
        a, b = connector[column], contract[column]
        same = (a.astype(str) == b.astype(str)) | (a.isna() & b.isna())
        assert same.all(), (column, connector.loc[~same, ["ticket_id", column]].head())
    assert connector.first_response_at.notna().any() and connector.solved_at.notna().any()
    assert (connector.reopened_count > 0).any() and connector.csat_score.notna().any()


def test_reconciliations_add_up(pair: harness.Pair) -> None:
    assert harness.reconciliation_gaps(pair.connector).empty
    assert harness.reconciliation_gaps(pair.equivalent).empty
    rows = pair.connector.query_df(
        "select * from quarantine.connector_reconciliation where connector = 'zendesk'"
    ).set_index("connector_table")
    assert set(rows.index) == {
        "ticket",
        "organization",
        "domain_name",
        "user",
        "ticket_field_history",
        "ticket_comment",
    }
    assert (rows.contract_table == "support.tickets").all()
    landed = pair.landing.connector
    for key, frame in landed.items():
        connector, _, table = key.partition(".")
        if connector == "zendesk":
            assert rows.connector_rows[table] == len(frame), table
    # the merged duplicates are the ticket rows left out, with their reason
    merged = landed["zendesk.ticket"].merged_ticket_ids.notna().sum()
    assert merged > 0
    assert rows.unused_rows["ticket"] == merged
    assert "merged" in rows.unused_reason["ticket"]
    # changes of fields other than status and satisfaction_score are not read, nor the
    # history and comments of merged tickets
    history, comments = landed["zendesk.ticket_field_history"], landed["zendesk.ticket_comment"]
    merged_ids = landed["zendesk.ticket"].merged_ticket_ids.dropna().str.strip("[]").astype("int64")
    of_merged = history.ticket_id.isin(merged_ids)
    assert (
        rows.unused_rows["ticket_field_history"]
        == ((history.field_name == "priority") | of_merged).sum()
    )
    assert rows.unused_rows["ticket_comment"] == comments.ticket_id.isin(merged_ids).sum()


def test_identity_map_matches_every_organization(pair: harness.Pair) -> None:
    identity = pair.connector.query_df(
        "select * from intermediate.int_identity__account_map where source_system = 'zendesk'"
    )
    organizations = pair.landing.connector["zendesk.organization"]
    assert len(identity) == len(organizations)
    assert (identity.match_status == "matched").all(), identity[identity.match_status != "matched"]
    methods = identity.match_method.value_counts()
    # both ways the lander links an organization are exercised
    assert methods.get("explicit_id", 0) > 0 and methods.get("domain", 0) > 0
    # an organization linked only by its domain_name matches by domain
    explicit = organizations.set_index(organizations.id.astype(str)).external_id
    by_domain = identity[identity.match_method == "domain"].source_account_id
    crm_ids = set(
        pair.connector.query_df("select account_id from staging.stg_crm__accounts")["account_id"]
    )
    assert all(pd.isna(explicit[i]) or str(explicit[i]) not in crm_ids for i in by_domain)
    quarantined = pair.connector.query_df(
        "select count(*) as n from quarantine.quarantine where raw_table = 'support.tickets'"
        " and quarantine_reason in ('unmatched_identity', 'ambiguous_identity', 'unmappable_row')"
    )
    assert quarantined.n[0] == 0


def test_lander_plants_the_quirks(pair: harness.Pair) -> None:
    landed = pair.landing.connector
    ticket, user = landed["zendesk.ticket"], landed["zendesk.user"]
    organization, domains = landed["zendesk.organization"], landed["zendesk.domain_name"]
    history, comments = landed["zendesk.ticket_field_history"], landed["zendesk.ticket_comment"]
    # ids are bigints; timestamps are naive whole seconds
    assert str(ticket.id.dtype) == "Int64" and str(organization.id.dtype) == "Int64"
    assert ticket.created_at.dt.tz is None
    assert (ticket.created_at == ticket.created_at.dt.floor("s")).all()
    # one row per id
    for frame in (ticket, user, organization, comments):
        assert frame.id.is_unique
    assert not history.duplicated(["ticket_id", "field_name", "updated"]).any()
    # Zendesk vocabularies
    assert ticket.priority.isna().any()
    assert {"hold", "deleted"} <= set(ticket.status)
    assert ticket._fivetran_deleted.any()
    # organizations linked by external_id only, by domain only, and with a stray external_id
    assert organization.external_id.isna().any()
    assert organization.external_id.fillna("").str.startswith("legacy-").any()
    assert domains.domain_name.str.contains("[A-Z]").any()
    # tickets reaching their organization through the requester only
    assert ticket.organization_id.isna().any()
    # a deactivated agent's role turned back into end-user, and wrote first replies
    former = user[(user.role == "end-user") & ~user.active & user.organization_id.isna()].id
    assert comments.user_id.isin(former).any()
    assert (~comments.public).any()
    # CSAT: good, bad, offered, unoffered, and ratings flipped
    scores = history[history.field_name == "satisfaction_score"]
    assert {"good", "bad", "offered", "unoffered"} <= set(scores.value)
    rated = scores[scores.value.isin(["good", "bad"])]
    assert rated.groupby("ticket_id").value.nunique().max() == 2
    # reopens as solved -> open cycles
    status = history[history.field_name == "status"].sort_values(["ticket_id", "updated"])
    previous = status.groupby("ticket_id").value.shift()
    assert ((status.value == "open") & previous.isin(["solved", "closed"])).any()


def test_equivalent_is_what_the_adapter_reproduces(pair: harness.Pair) -> None:
    tickets = pair.landing.equivalent["support.tickets"]
    # one version per ticket, Zendesk ids, CSAT as good (5) or bad (1), whole seconds
    assert tickets.ticket_id.is_unique
    assert set(tickets.csat_score.dropna()) <= {1, 5}
    assert (tickets.created_at == tickets.created_at.dt.floor("s")).all()
    assert tickets.org_id.isna().all()


def test_dbt_unit_tests_ran_and_passed(zendesk_staged: Warehouse, tmp_path: Path) -> None:
    # the identity map's unit tests mock Zendesk as its only connector: the Zendesk-only build
    wh = replace(zendesk_staged, duckdb_path=tmp_path / "unit.duckdb")
    zendesk_staged.execute("checkpoint")
    shutil.copyfile(zendesk_staged.duckdb_path, wh.duckdb_path)
    result = dbt_runner.run(
        ["test", "--select", "test_type:unit,path:models/staging/zendesk"],
        wh,
        dbt_vars=harness.build_vars(SHAPES),
        quiet=True,
    )
    outcomes = {r.node.name: str(r.status) for r in result.result.results}
    assert set(outcomes) == UNIT_TESTS
    assert set(outcomes.values()) == {"pass"}


def _insert(con, table: str, rows: list[dict]) -> None:
    for row in rows:
        columns = ", ".join(f'"{c}"' for c in row)
        values = ", ".join("?" for _ in row)
        con.execute(f"insert into {table} ({columns}) values ({values})", list(row.values()))


@pytest.fixture(scope="module")
def zendesk_staged(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """The book with support landed as Zendesk and the CRM in the contract, built up to the
    staging models, the identity map and the quarantine (no marts: cheap)."""
    path = tmp_path_factory.mktemp("zendesk_staged") / "connector.duckdb"
    wh = replace(Warehouse.from_env("duckdb"), duckdb_path=path)
    landing = connectors.land(harness.book_frames(**harness.PARITY_BOOK), SHAPES)
    loader.load_frames(wh, landing.contract)
    loader.load_tables(wh, landing.connector)
    dbt_runner.run(
        [
            "build",
            "--select",
            "resource_type:seed",
            "staging",
            "int_identity__account_map",
            "quarantine",
            "--exclude-resource-type",
            "unit_test",
            "--exclude-resource-type",
            "test",
        ],
        wh,
        dbt_vars=harness.build_vars(SHAPES),
        quiet=True,
    )
    return wh


def test_identity_cases_reach_the_quarantine(zendesk_staged: Warehouse, tmp_path: Path) -> None:
    """Hand-written Zendesk organizations and tickets on a copy of the landed warehouse: an
    explicit id, a domain, an ambiguous domain (two CRM accounts share it), no match, and an
    override row; each ticket is staged on its account or quarantined with the candidates."""
    wh = replace(zendesk_staged, duckdb_path=tmp_path / "identity.duckdb")
    zendesk_staged.execute("checkpoint")
    shutil.copyfile(zendesk_staged.duckdb_path, wh.duckdb_path)
    with wh.connect() as con:
        live = con.execute(
            "select account_id, website from staging.stg_crm__accounts where not is_deleted"
            " order by account_id limit 3"
        ).fetchall()
        (explicit_id, _), (domain_id, website), (override_id, _) = live
        domain = website.split("://")[-1].removeprefix("www.").split("/")[0]
        for twin in ("A900", "A901"):
            con.execute(
                "insert into raw_crm.accounts by name select * replace ("
                " ? as account_id, 'https://www.twin.example/' as website)"
                " from raw_crm.accounts where account_id = ? order by _loaded_at desc limit 1",
                [twin, explicit_id],
            )
        seed = con.execute(
            "select table_schema from information_schema.tables"
            " where table_name = 'account_identity_overrides'"
        ).fetchone()[0]
        _insert(
            con,
            f"{seed}.account_identity_overrides",
            [
                {
                    "source_system": "zendesk",
                    "source_account_id": "9005",
                    "crm_account_id": override_id,
                    "note": "decided by hand",
                }
            ],
        )
        synced = "2026-09-02 00:00:00"
        _insert(
            con,
            "zendesk.organization",
            [
                {
                    "id": 9000 + i,
                    "name": f"Case {i}",
                    "external_id": ext,
                    "_fivetran_synced": synced,
                }
                for i, ext in ((1, explicit_id), (2, None), (3, None), (4, None), (5, None))
            ],
        )
        _insert(
            con,
            "zendesk.domain_name",
            [
                {"organization_id": 9000 + i, "domain_name": d, "index": 0}
                for i, d in (
                    (2, domain.upper()),
                    (3, "twin.example"),
                    (4, "nowhere.example"),
                    (5, "nowhere-else.example"),
                )
            ],
        )
        _insert(
            con,
            "zendesk.ticket",
            [
                {
                    "id": 900_000 + i,
                    "organization_id": 9000 + i,
                    "priority": "high",
                    "status": "open",
                    "subject": f"case {i}",
                    "created_at": "2026-09-01 08:00:00",
                    "_fivetran_synced": synced,
                    "_fivetran_deleted": False,
                }
                for i in range(1, 6)
            ],
        )
    dbt_runner.run(
        [
            "run",
            "--select",
            "base_crm__accounts",
            "int_identity__account_map",
            "base_support__tickets",
            "quarantine",
        ],
        wh,
        dbt_vars=harness.build_vars(SHAPES),
        quiet=True,
    )
    rows = wh.query_df(
        "select ticket_id, account_id, quarantine_reason, quarantine_detail"
        " from staging.base_support__tickets where ticket_id like '90000_'"
    ).set_index("ticket_id")
    identity = wh.query_df(
        "select * from intermediate.int_identity__account_map where source_account_id like '900_'"
    ).set_index("source_account_id")
    expected = {
        "900001": (explicit_id, None, "explicit_id"),
        "900002": (domain_id, None, "domain"),
        "900003": (None, "ambiguous_identity", "domain"),
        "900004": (None, "unmatched_identity", "none"),
        "900005": (override_id, None, "override"),
    }
    for ticket_id, (account, reason, method) in expected.items():
        row = rows.loc[ticket_id]
        org = str(int(ticket_id) - 900_000 + 9000)
        assert identity.match_method[org] == method, ticket_id
        if reason is None:
            assert pd.isna(row.quarantine_reason), (ticket_id, row.quarantine_detail)
            assert row.account_id == account, ticket_id
        else:
            assert row.quarantine_reason == reason, ticket_id
    ambiguous = rows.quarantine_detail["900003"]
    assert "A900" in ambiguous and "A901" in ambiguous and "twin.example" in ambiguous
    assert identity.candidate_crm_account_ids["9003"] == "A900, A901"
    assert "nowhere.example" in rows.quarantine_detail["900004"]
    listed = wh.query_df(
        "select record_key, quarantine_reason from quarantine.quarantine"
        " where raw_table = 'support.tickets' and quarantine_reason like '%identity'"
    )
    assert len(listed) == 2
    assert json.dumps(sorted(listed.quarantine_reason)) == json.dumps(
        ["ambiguous_identity", "unmatched_identity"]
    )
