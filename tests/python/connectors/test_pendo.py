"""The Pendo adapter (docs/connectors/pendo.md): the demo book landed as Fivetran lands Pendo
gives the same marts as its contract equivalent (seats emptied on both sides, so seat
utilisation is missing on both), every Pendo row is accounted for, every Pendo account matches
its CRM account, and the landing's quirks reach the contract as the adapter says."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from customer_health import dbt as dbt_runner
from customer_health.generator import connectors
from customer_health.generator.connectors import pendo
from customer_health.warehouse import Warehouse

from . import harness

SHAPES = connectors.Shapes(usage="pendo")


@pytest.fixture(scope="module")
def pair(combo_a: harness.Pair) -> harness.Pair:
    """Combination A (conftest): Pendo for usage, with the other families' connectors."""
    return combo_a


def test_the_marts_are_the_contract_equivalents(pair: harness.Pair) -> None:
    assert harness.differences(pair) == []
    assert harness.differences(pair, "marts.mart_account_health_factors") == []


def test_staged_usage_is_the_equivalents(pair: harness.Pair) -> None:
    """Below the marts: the same events per account, user, feature and day (event ids differ:
    the adapter numbers a bucket's events), and the same feature list."""
    daily = (
        "select account_id, user_id, feature_key, event_date, count(*) as events "
        "from staging.stg_product__events where not is_deleted group by 1, 2, 3, 4"
    )
    keys = ["account_id", "user_id", "feature_key", "event_date"]
    a = pair.connector.query_df(daily).sort_values(keys).reset_index(drop=True)
    b = pair.equivalent.query_df(daily).sort_values(keys).reset_index(drop=True)
    assert len(a) > 1000
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    features = (
        "select feature_key, feature_name, is_key_feature from staging.stg_product__features "
        "order by feature_key"
    )
    fa, fb = pair.connector.query_df(features), pair.equivalent.query_df(features)
    pd.testing.assert_frame_equal(fa, fb, check_dtype=False)
    # core events are the key features; the two tagged pages are not
    assert int(fa["is_key_feature"].sum()) == 5
    pages = {pendo.pendo_id(k, "page") for k in pendo.PAGE_FEATURES}
    assert not fa.loc[fa["feature_key"].isin(pages), "is_key_feature"].any()


def test_seat_utilisation_is_missing_on_both_sides(pair: harness.Pair) -> None:
    query = (
        "select factor_name, count(raw_value) as measured from marts.mart_account_health_factors "
        "where factor_name like 'usage%' group by 1"
    )
    for wh in (pair.connector, pair.equivalent):
        measured = wh.query_df(query).set_index("factor_name")["measured"]
        assert measured["usage_seat_utilisation_28d"] == 0
        assert measured["usage_active_days_28d"] > 0
        assert measured["usage_key_feature_adoption_28d"] > 0
    assert (
        pair.connector.query_df("select count(*) as n from staging.stg_product__seats")["n"].iloc[0]
        == 0
    )


def test_every_pendo_row_is_accounted_for(pair: harness.Pair) -> None:
    assert harness.reconciliation_gaps(pair.connector).empty
    rec = pair.connector.query_df("select * from quarantine.connector_reconciliation")
    assert "pendo" in set(rec["connector"])
    rec = rec.loc[rec["connector"] == "pendo"]
    assert set(rec["connector_table"]) == {
        "account_history",
        "visitor_history",
        "visitor_account_history",
        "feature_history",
        "page_history",
        "feature_event",
        "page_event",
        "event",
    }
    for table, frame in pair.landing.connector.items():
        if not table.startswith("pendo."):
            continue
        row = rec.loc[rec["connector_table"] == table.split(".")[1]].iloc[0]
        assert row["connector_rows"] == len(frame), table
    history = rec.set_index("connector_table")
    # older versions of history tables are unused, with the reason
    assert history.loc["feature_history", "unused_rows"] > 0
    assert "older versions" in history.loc["feature_history", "unused_reason"]
    # event rolls up the same activity: read for nothing
    assert history.loc["event", "mapped_rows"] == 0


def test_every_pendo_account_matches_its_crm_account(pair: harness.Pair) -> None:
    matched = pair.connector.query_df(
        "select source_account_id, crm_account_id, match_method, match_status "
        "from intermediate.int_identity__account_map where source_system = 'pendo'"
    )
    accounts = pair.landing.connector["pendo.account_history"]
    assert set(matched["source_account_id"]) == set(accounts["id"])
    assert (matched["match_status"] == "matched").all(), matched[matched.match_status != "matched"]
    # some accounts send their CRM id as the Pendo id; the others link by visitor email domains
    assert set(matched["match_method"]) == {"explicit_id", "domain"}
    by_domain = matched.loc[matched["match_method"] == "domain"]
    assert by_domain["source_account_id"].str.startswith("tnt-").all()
    # each Pendo account maps to the CRM account whose users it carries
    visitors = landed_visitor_accounts(pair)
    users = harness.book_frames(**harness.PARITY_BOOK)["product.events"]
    truth = (
        visitors.merge(users[["user_id", "account_id"]].drop_duplicates(), on="user_id")
        .drop_duplicates("pendo_account_id")
        .set_index("pendo_account_id")["account_id"]
        .map(lambda a: pair.landing.crm_ids.get(a, a))  # the CRM's ids (Salesforce in combo A)
    )
    got = matched.set_index("source_account_id")["crm_account_id"]
    assert (got.loc[truth.index] == truth).all()


def landed_visitor_accounts(pair: harness.Pair) -> pd.DataFrame:
    """(visitor = product user, Pendo account) pairs of the landing's feature buckets."""
    events = pair.landing.connector["pendo.feature_event"]
    named = events[events["account_id"].fillna("") != ""]
    return (
        named[["visitor_id", "account_id"]]
        .drop_duplicates()
        .rename(columns={"visitor_id": "user_id", "account_id": "pendo_account_id"})
    )


def test_landing_quirks_reach_the_contract(pair: harness.Pair) -> None:
    landed = pair.landing.connector
    # history tables: an older version re-synced after the current one
    accounts = landed["pendo.account_history"].sort_values("last_updated_at")
    older = accounts[accounts.duplicated("id", keep="last")]
    current = accounts.drop_duplicates("id", keep="last").set_index("id")
    assert (
        older["_fivetran_synced"].to_numpy()
        > current.loc[older["id"], "_fivetran_synced"].to_numpy()
    ).all()
    # the current name is staged, not the older version's (upper-cased) one
    names = pair.connector.query_df(
        "select source_account_id, source_account_name from intermediate.int_identity__account_map"
    ).set_index("source_account_id")["source_account_name"]
    assert (
        names.loc[older["id"]].to_numpy() == current.loc[older["id"], "agent_name"].to_numpy()
    ).all()
    # buckets whose account is empty take their visitor's: none is quarantined
    events = pd.concat([landed["pendo.feature_event"], landed["pendo.page_event"]])
    empty = events["account_id"].fillna("").eq("")
    anonymous = events["visitor_id"].str.startswith("_PENDO_T_")
    assert (empty & ~anonymous).sum() > 100
    # only the anonymous visitors' buckets, which have no account anywhere, are quarantined
    # beyond what the contract path quarantines (the events of the account deleted in the CRM,
    # which matches it by its explicit id)
    connector_q, equivalent_q = (
        quarantine_counts(pair.connector),
        quarantine_counts(pair.equivalent),
    )
    extra = connector_q.pop("unmappable_row")
    assert extra == int(anonymous.sum()) > 0
    assert connector_q == equivalent_q
    assert equivalent_q.get("activity_after_account_deleted", 0) > 0
    details = pair.connector.query_df(
        "select quarantine_detail from quarantine.quarantine "
        "where raw_table = 'product.events' and quarantine_reason = 'unmappable_row'"
    )
    assert details["quarantine_detail"].str.contains("names no account").all()


def quarantine_counts(wh: Warehouse) -> dict[str, int]:
    frame = wh.query_df(
        "select quarantine_reason, count(*) as n from quarantine.quarantine "
        "where raw_table = 'product.events' group by 1"
    )
    return {str(k): int(v) for k, v in zip(frame["quarantine_reason"], frame["n"], strict=True)}


def test_the_lander_does_not_touch_its_input() -> None:
    frames = harness.book_frames(**harness.PARITY_BOOK)
    before = {k: v.copy() for k, v in frames.items() if k.startswith(("product.", "crm.accounts"))}
    connectors.land(frames, SHAPES)
    for key, frame in before.items():
        pd.testing.assert_frame_equal(frames[key], frame)


def test_missing_tables_and_columns_are_missing_signals(pair: harness.Pair, tmp_path: Path) -> None:
    """An export without the event and visitor_account_history tables, num_events and
    is_core_event still builds: the tables read as empty, a bucket counts as one event, and no
    feature is marked, so key-feature adoption is missing (not zero)."""
    path = tmp_path / "missing.duckdb"
    shutil.copy(pair.connector.duckdb_path, path)
    wh = replace(pair.connector, duckdb_path=path)
    with wh.connect() as con:
        cur = con.cursor()
        cur.execute("drop table pendo.event")
        cur.execute("drop table pendo.visitor_account_history")
        cur.execute("alter table pendo.feature_event drop column num_events")
        cur.execute("alter table pendo.feature_history drop column is_core_event")
    dbt_runner.run(
        ["build", "--select", "staging.pendo+", "--exclude-resource-type", "unit_test"],
        wh,
        dbt_vars=harness.build_vars(pair.shapes),
        quiet=True,
    )
    rec = wh.query_df(
        "select * from quarantine.connector_reconciliation where connector = 'pendo'"
    ).set_index("connector_table")
    assert rec.loc["event", "connector_rows"] == 0
    assert rec.loc["visitor_account_history", "connector_rows"] == 0
    assert harness.reconciliation_gaps(wh).empty
    marked = wh.query_df("select count(is_key_feature) as n from staging.stg_product__features")
    assert marked["n"].iloc[0] == 0
    adoption = wh.query_df(
        "select count(raw_value) as n from marts.mart_account_health_factors "
        "where factor_name = 'usage_key_feature_adoption_28d'"
    )
    assert adoption["n"].iloc[0] == 0
    assert wh.query_df("select count(*) as n from marts.mart_account_health")["n"].iloc[0] > 0
