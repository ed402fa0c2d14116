"""The Segment adapter (docs/connectors/segment.md): the demo book landed as Segment's
warehouse destination lands it gives the same marts as its contract equivalent (seats emptied
on both sides, so seat utilisation is missing on both), every call is accounted for, every
group matches its CRM account, and the landing's quirks reach the contract as the adapter
says."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from customer_health import dbt as dbt_runner
from customer_health.generator import connectors
from customer_health.generator.connectors import segment
from customer_health.warehouse import Warehouse

from . import harness

SHAPES = connectors.Shapes(usage="segment")


@pytest.fixture(scope="module")
def pair(combo_b: harness.Pair) -> harness.Pair:
    """Combination B (conftest): Segment for usage, with HubSpot for the CRM and support."""
    return combo_b


def test_the_marts_are_the_contract_equivalents(pair: harness.Pair) -> None:
    assert harness.differences(pair) == []
    assert harness.differences(pair, "marts.mart_account_health_factors") == []


def test_staged_usage_is_the_equivalents(pair: harness.Pair) -> None:
    """Below the marts: the same events per account, user, feature and day, the same versions
    collapsed into them, and the same feature list."""
    daily = (
        "select account_id, user_id, feature_key, event_date, count(*) as events, "
        "sum(source_versions) as versions "
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
    # the key events of the var's default list; page views are features of their own
    assert set(fa.loc[fa["is_key_feature"].astype(bool), "feature_key"]) == set(segment.KEY_EVENTS)
    assert {"page:search", "page:admin settings"} <= set(fa["feature_key"])


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


def test_every_call_is_accounted_for(pair: harness.Pair) -> None:
    assert harness.reconciliation_gaps(pair.connector).empty
    rec = pair.connector.query_df("select * from quarantine.connector_reconciliation")
    assert "segment" in set(rec["connector"])
    rec = rec.loc[rec["connector"] == "segment"]
    assert set(zip(rec["connector_table"], rec["contract_table"], strict=True)) == {
        ("tracks", "product.events"),
        ("tracks", "product.features"),
        ("pages", "product.events"),
        ("pages", "product.features"),
        ("identifies", "identity.account_map"),
        ("groups", "identity.account_map"),
    }
    for table, frame in pair.landing.connector.items():
        if not table.startswith("segment."):
            continue
        rows = rec.loc[rec["connector_table"] == table.split(".")[1], "connector_rows"]
        assert (rows == len(frame)).all(), table


def test_every_group_matches_its_crm_account(pair: harness.Pair) -> None:
    matched = pair.connector.query_df(
        "select source_account_id, crm_account_id, match_method, match_status, domains "
        "from intermediate.int_identity__account_map where source_system = 'segment'"
    )
    groups = pair.landing.connector["segment.groups"]
    assert set(matched["source_account_id"]) == set(groups["group_id"])
    assert (matched["match_status"] == "matched").all(), matched[matched.match_status != "matched"]
    assert set(matched["match_method"]) == {"explicit_id", "domain"}
    # each group maps to the CRM account of its users
    users = harness.book_frames(**harness.PARITY_BOOK)["product.events"]
    truth = (
        groups[["user_id", "group_id"]]
        .merge(users[["user_id", "account_id"]].drop_duplicates(), on="user_id")
        .drop_duplicates("group_id")
        .set_index("group_id")["account_id"]
        .map(lambda a: pair.landing.crm_ids.get(a, a))  # the CRM's ids (HubSpot in combo B)
    )
    got = matched.set_index("source_account_id")["crm_account_id"]
    assert (got.loc[truth.index] == truth).all()
    # domain matches come from a website trait for some groups, from users' emails only for
    # the others
    with_website = set(groups.loc[groups["website"].notna(), "group_id"])
    by_domain = set(matched.loc[matched["match_method"] == "domain", "source_account_id"])
    assert by_domain & with_website and by_domain - with_website


def test_landing_quirks_reach_the_contract(pair: harness.Pair) -> None:
    landed = pair.landing.connector
    tracks = landed["segment.tracks"]
    # messages loaded twice: one event, two versions
    twice = tracks.loc[tracks["id"].duplicated(), "id"]
    assert len(twice) > 100
    versions = pair.connector.query_df(
        "select count(*) as n from staging.stg_product__events where source_versions > 1"
    )["n"].iloc[0]
    assert versions >= twice.nunique()
    # anonymous calls reach their user through identify, and are all staged with one
    anonymous = tracks["user_id"].isna() & tracks["anonymous_id"].isin(
        landed["segment.identifies"]["anonymous_id"]
    )
    assert anonymous.sum() > 100
    staged_without_user = pair.connector.query_df(
        "select count(*) as n from staging.stg_product__events where user_id is null"
    )["n"].iloc[0]
    assert staged_without_user == 0
    # some products send context_group_id, some do not
    assert 0 < tracks["context_group_id"].notna().mean() < 1
    # some users' first group call comes after their first events (their first membership
    # covers them)
    first_call = landed["segment.groups"].groupby("user_id")["timestamp"].min()
    first_event = tracks.dropna(subset=["user_id"]).groupby("user_id")["timestamp"].min()
    assert (first_call.reindex(first_event.index) > first_event).sum() > 10
    # only the stray visitors who never identify are quarantined beyond what the contract path
    # quarantines (the events of the account deleted in the CRM, matched by its CRM id trait)
    connector_q, equivalent_q = (
        quarantine_counts(pair.connector),
        quarantine_counts(pair.equivalent),
    )
    assert connector_q.pop("unmappable_row") == segment.STRAY_ANONYMOUS
    assert connector_q == equivalent_q
    assert equivalent_q.get("activity_after_account_deleted", 0) > 0
    details = pair.connector.query_df(
        "select quarantine_detail from quarantine.quarantine "
        "where raw_table = 'product.events' and quarantine_reason = 'unmappable_row'"
    )
    assert details["quarantine_detail"].str.contains("no identify call").all()


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


def test_missing_tables_and_traits_are_missing_signals(pair: harness.Pair, tmp_path: Path) -> None:
    """An export without page calls, without the website trait and without context_group_id
    still builds: page views are missing, accounts come from group calls, and groups still
    match their CRM accounts by the CRM id trait or their users' emails."""
    path = tmp_path / "missing.duckdb"
    shutil.copy(pair.connector.duckdb_path, path)
    wh = replace(pair.connector, duckdb_path=path)
    with wh.connect() as con:
        cur = con.cursor()
        cur.execute("drop table segment.pages")
        cur.execute("alter table segment.groups drop column website")
        cur.execute("alter table segment.tracks drop column context_group_id")
    dbt_runner.run(
        ["build", "--select", "staging.segment+", "--exclude-resource-type", "unit_test"],
        wh,
        dbt_vars=harness.build_vars(pair.shapes),
        quiet=True,
    )
    assert harness.reconciliation_gaps(wh).empty
    pages = wh.query_df(
        "select sum(connector_rows) as n from quarantine.connector_reconciliation "
        "where connector_table = 'pages'"
    )
    assert pages["n"].iloc[0] == 0
    features = wh.query_df("select feature_key from staging.stg_product__features")
    assert not features["feature_key"].str.startswith("page:").any()
    status = wh.query_df(
        "select match_status, count(*) as n from intermediate.int_identity__account_map group by 1"
    ).set_index("match_status")["n"]
    assert status.to_dict() == {
        "matched": len(pair.landing.connector["segment.groups"]["group_id"].unique())
    }
    assert quarantine_counts(wh)["unmappable_row"] == segment.STRAY_ANONYMOUS
