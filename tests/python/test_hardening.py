"""Runs an orchestrator can trust: idempotent, late rows picked up by the incremental history,
and no personal data in any mart or snapshot."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from customer_health import dbt as dbt_runner
from customer_health.warehouse import Warehouse

from .conftest import copy_duckdb, copy_postgres
from .late_rows import LateAccounts, plant_late_rows

HISTORY = "marts.mart_account_health_history"
PUBLIC = [
    "marts.mart_account_health",
    "marts.mart_account_health_history",
    "marts.mart_account_health_factors",
    "marts.mart_health_alerts",
    "marts.mart_portfolio_health",
    "marts.mart_account_diagnosis",
    "marts.mart_diagnosis_disagreements",
]
QUARANTINE = ["quarantine.quarantine", "quarantine.quarantine_reconciliation"]
# the models a nightly run builds incrementally (at least these)
INCREMENTAL = {
    "base_product__events",
    "int_usage__user_days",
    "int_usage__account_feature_days",
    "int_usage__factors",
    "mart_account_health_history",
    "mart_recovery_cases",
}
# the scoring models incremental on score_date (DECISIONLOG 43), and the column of an old row
# each gets changed by hand before the nightly run (one that no model rebuilt whole reads, so
# that only the model itself holds the change): the run must leave it as it is
SCORING_CANARIES = {
    "int_scoring__factor_evidence": "evidence_table",
    "int_scoring__factor_scores": "unit",
    "int_scoring__factor_contributions": "unit",
    "int_scoring__health_scores": "health_tier",
    "int_scoring__rule_flags": "first_rule_flag",
    "int_scoring__score_drivers": "explanation",
    "int_scoring__score_trend": "trend_direction",
    "int_scoring__score_overrides": "final_tier",
    "int_scoring__churn_probability": "probability_note",
    "int_scoring__renewal_arr": "arr_reporting",
    "int_scoring__account_scores": "override_author",
    "int_expansion__factor_scores": "signal",
    "int_expansion__drivers": "driver_3_text",
    "int_expansion__scores": "driver_3_text",
}


def relations(wh: Warehouse, schemas: tuple[str, ...]) -> list[str]:
    names = wh.query_df(
        "select table_schema, table_name from information_schema.tables "
        f"where table_schema in ({', '.join(repr(s) for s in schemas)})"
    )
    return sorted(f"{r.table_schema}.{r.table_name}" for r in names.itertuples())


def snapshot_of(wh: Warehouse, relation: str) -> pd.DataFrame:
    frame = wh.query_df(f"select * from {relation}")
    return frame.sort_values(list(frame.columns)).reset_index(drop=True).astype(str)


def copy_of(wh: Warehouse, tmp_path: Path) -> Warehouse:
    return copy_duckdb(wh, tmp_path)


def test_running_twice_on_the_same_inputs_gives_identical_marts(
    duck_built: Warehouse, tmp_path: Path
) -> None:
    wh = copy_of(duck_built, tmp_path)
    before = {r: snapshot_of(wh, r) for r in PUBLIC + ["snapshots.snap_account_health"]}
    dbt_runner.run(
        ["build", "--exclude", "resource_type:test", "resource_type:unit_test"], wh, quiet=True
    )
    for relation, frame in before.items():
        after = snapshot_of(wh, relation)
        pd.testing.assert_frame_equal(frame, after, obj=relation)


@dataclass
class NextDay:
    """A nightly run replayed on a copy of the demo book. On DuckDB: built with --full-refresh as
    of the day before the data ends, without the raw events loaded from that day on; then those
    loads arrive and the run adds the last day. On Postgres: the copy of pg_built is the first
    night and the run adds the day after. On both, 400 late events and a late row of every other
    family arrive before the incremental build; then the same warehouse is rebuilt with
    --full-refresh as of the same day."""

    incremental: dict[str, pd.DataFrame]  # relation -> rows after the incremental build
    full: dict[str, pd.DataFrame]  # relation -> rows after the full refresh
    incremental_models: list[str]  # relations of the models dbt built incrementally
    as_of_before: dict[str, pd.DataFrame]  # the history after the first build
    canaries: dict[str, bool]  # model -> an old row planted before the run was left alone
    late_account: str
    late_day: date


def first_row(wh: Warehouse, sql: str) -> pd.Series:
    frame = wh.query_df(sql)
    assert len(frame) == 1, sql
    return frame.iloc[0]


def literal(value: object) -> str:
    if value is None or pd.isna(value):
        return "null"
    return (
        repr(float(value))
        if isinstance(value, float)
        else "'" + str(value).replace("'", "''") + "'"
    )


def mark_an_old_row(wh: Warehouse, model: str, column: str) -> tuple[str, str, str]:
    """Change ``column`` of a row of the earliest score date of a scoring model to -1 or
    'CANARY' (its account and date stay scored, with the same weights: nothing makes the date
    stale); return the relation, the condition that finds the changed row, and the update that
    undoes the change."""
    relation = f"intermediate.{model}"
    long_form = "factor_name" in wh.query_df(f"select * from {relation} limit 0").columns
    row = first_row(
        wh,
        f"select account_id, cast(score_date as varchar) as score_date, {column} as value"
        f"{', factor_name' if long_form else ''} from {relation} "
        f"where score_date = (select min(score_date) from {relation}) "
        "order by account_id limit 1",
    )
    where = f"account_id = '{row.account_id}' and score_date = date '{row.score_date}'" + (
        f" and factor_name = '{row.factor_name}'" if long_form else ""
    )
    marker = "-1" if column == "arr_reporting" else "'CANARY'"
    wh.execute(f"update {relation} set {column} = {marker} where {where}")
    return (
        relation,
        f"{where} and {column} = {marker}",
        f"update {relation} set {column} = {literal(row.value)} where {where}",
    )


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def next_day(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> NextDay:
    if request.param == "duckdb":
        wh = copy_duckdb(request.getfixturevalue("duck_built"), tmp_path_factory.mktemp("next_day"))
    else:
        pg_built = request.getfixturevalue("pg_built")
        wh = copy_postgres(pg_built, request.getfixturevalue("pg_cluster"), "next_day")
    last_day = pd.Timestamp(
        first_row(wh, "select max(score_date) as d from marts.mart_account_health")["d"]
    ).date()
    if wh.engine == "duckdb":
        # what the connectors loaded from the last day on (new events, late ones, re-deliveries,
        # soft deletes) arrives only with the second run, which adds the last day
        run_as_of = last_day
        wh.execute(
            "create table raw_product.held_back as select * from raw_product.events "
            f"where _loaded_at >= timestamptz '{last_day} 00:00:00+00'",
            "delete from raw_product.events "
            f"where _loaded_at >= timestamptz '{last_day} 00:00:00+00'",
        )
        dbt_runner.run(
            [
                "build",
                "--full-refresh",
                "--exclude",
                "resource_type:test",
                "resource_type:unit_test",
            ],
            wh,
            dbt_vars={"as_of_date": (last_day - timedelta(days=1)).isoformat()},
            quiet=True,
        )
    else:
        # Postgres saves a build: the copy of pg_built (every load, as of the last day) is the
        # first night, and the second run adds the day after it
        run_as_of = last_day + timedelta(days=1)
    as_of_before = snapshot_of(wh, "marts.mart_account_health_history")
    late_account = first_row(
        wh, "select account_id from marts.mart_account_health order by priority_rank limit 1"
    )["account_id"]
    late_day = last_day - timedelta(days=3)
    if wh.engine == "duckdb":
        wh.execute(
            "insert into raw_product.events select * from raw_product.held_back",
            "drop table raw_product.held_back",
        )
    wh.execute(
        # 400 events dated three days ago that only arrive now
        "insert into raw_product.events (event_id, account_id, user_id, feature_key, "
        "occurred_at, org_id, _loaded_at, _is_deleted) "
        f"select 'LATE' || cast(i as varchar), '{late_account}', "
        "'ULATE' || cast(i % 40 as varchar), "
        f"'reports', timestamptz '{late_day} 12:00:00+00', null, "
        "(select max(_loaded_at) from raw_product.events) + interval '1 hour', false "
        "from generate_series(0, 399) as t(i)",
    )
    # and a late ticket, meeting, overdue invoice and failed payment, each on another account
    others = wh.query_df(
        "select account_id from marts.mart_account_health "
        f"where account_id <> '{late_account}' order by account_id limit 3"
    )["account_id"].tolist()
    plant_late_rows(wh, LateAccounts(*others), last_day, late_day)
    # an old row planted in each model (changed by hand, or one that no model downstream
    # reads): an incremental run leaves it as it is, a rebuild of its day or key would not
    base = first_row(
        wh,
        "select record_key, user_id from staging.base_product__events "
        "where quarantine_reason is null and user_id is not null "
        "order by loaded_at, record_key limit 1",
    )
    old = first_row(
        wh,
        "select account_id, org_id, score_date from intermediate.int_usage__factors "
        "order by score_date, account_id limit 1",
    )
    old_day = first_row(wh, "select min(event_date) as d from intermediate.int_usage__user_days")[
        "d"
    ]
    canaries = {
        "base_product__events": (
            "staging.base_product__events",
            f"record_key = '{base.record_key}' and user_id = 'CANARY'",
        ),
        "int_usage__user_days": (
            "intermediate.int_usage__user_days",
            f"account_id = 'CANARY' and event_date = date '{old_day}'",
        ),
        "int_usage__account_feature_days": (
            "intermediate.int_usage__account_feature_days",
            f"account_id = 'CANARY' and event_date = date '{old_day}'",
        ),
        "int_usage__factors": (
            "intermediate.int_usage__factors",
            f"factor_name = 'canary' and score_date = date '{old.score_date}'",
        ),
    }
    marked = {
        model: mark_an_old_row(wh, model, column) for model, column in SCORING_CANARIES.items()
    }
    wh.execute(
        "update staging.base_product__events set user_id = 'CANARY' "
        f"where record_key = '{base.record_key}'",
        "insert into intermediate.int_usage__user_days (account_id, user_id, events, "
        f"event_date) values ('CANARY', 'CANARY', 1, date '{old_day}')",
        "insert into intermediate.int_usage__account_feature_days (account_id, feature_key, "
        f"event_date) values ('CANARY', 'CANARY', date '{old_day}')",
        "insert into intermediate.int_usage__factors (account_id, org_id, score_date, "
        f"factor_name, raw_value) values ('{old.account_id}', '{old.org_id}', "
        f"date '{old.score_date}', 'canary', 0)",
    )
    result = dbt_runner.run(
        ["build", "--exclude", "resource_type:test", "resource_type:unit_test"],
        wh,
        dbt_vars={"as_of_date": run_as_of.isoformat()},
        quiet=True,
    )
    checked = {**canaries, **{model: (rel, where) for model, (rel, where, _) in marked.items()}}
    left_alone = {
        model: first_row(wh, f"select count(*) as n from {relation} where {where}")["n"] == 1
        for model, (relation, where) in checked.items()
    }
    # the canaries taken out, so that the tables can be compared with a full refresh
    wh.execute(
        f"update staging.base_product__events set user_id = '{base.user_id}' "
        f"where record_key = '{base.record_key}'",
        *(
            f"delete from {relation} where {where}"
            for model, (relation, where) in canaries.items()
            if model != "base_product__events"
        ),
        *(undo for _, _, undo in marked.values()),
    )
    incremental_models = sorted(
        f"{r.node.schema}.{r.node.alias}"
        for r in result.result.results
        if r.node.resource_type == "model" and r.node.config.materialized == "incremental"
    )
    compared = incremental_models + PUBLIC + QUARANTINE
    incremental = {r: snapshot_of(wh, r) for r in compared}
    dbt_runner.run(
        ["build", "--full-refresh", "--exclude", "resource_type:test", "resource_type:unit_test"],
        wh,
        dbt_vars={"as_of_date": run_as_of.isoformat()},
        quiet=True,
    )
    full = {r: snapshot_of(wh, r) for r in compared}
    return NextDay(
        incremental, full, incremental_models, as_of_before, left_alone, late_account, late_day
    )


def test_late_rows_are_picked_up_by_the_incremental_history(next_day: NextDay) -> None:
    history = next_day.incremental[HISTORY]
    assert not history.equals(next_day.as_of_before), "the new day changed nothing"
    user_days = next_day.incremental["intermediate.int_usage__user_days"]
    late = user_days[
        (user_days["account_id"] == next_day.late_account)
        & (user_days["event_date"] == str(next_day.late_day))
        & user_days["user_id"].str.startswith("ULATE")
    ]
    assert len(late) == 40, "the late events are not in the usage rollup"
    for relation in next_day.incremental_models:
        pd.testing.assert_frame_equal(
            next_day.incremental[relation], next_day.full[relation], obj=relation
        )


def test_a_nightly_incremental_run_equals_a_full_refresh_and_leaves_old_rows_alone(
    next_day: NextDay,
) -> None:
    names = {r.split(".")[-1] for r in next_day.incremental_models}
    expected = INCREMENTAL | set(SCORING_CANARIES)
    assert names >= expected, f"not built incrementally: {expected - names}"
    assert next_day.canaries == dict.fromkeys(next_day.canaries, True), (
        "an incremental run rewrote rows outside its window"
    )
    for relation in next_day.incremental_models + PUBLIC + QUARANTINE:
        pd.testing.assert_frame_equal(
            next_day.incremental[relation], next_day.full[relation], obj=relation
        )


EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?:\+\d{1,3}[\s.-]?)?\(?\d{2,4}\)?[\s.-]\d{3,4}[\s.-]\d{3,4}")


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_no_email_or_phone_in_any_mart_snapshot_or_quarantine(
    engine: str, request: pytest.FixtureRequest
) -> None:
    wh: Warehouse = request.getfixturevalue("duck_built" if engine == "duckdb" else "pg_built")
    scanned = relations(wh, ("marts", "calibration", "snapshots", "quarantine"))
    assert set(PUBLIC) <= set(scanned)
    raw = wh.query_df("select email, phone from raw_crm.contacts")
    known = set(raw["email"].dropna()) | set(raw["phone"].dropna())
    assert known, "the demo book has contacts with emails and phones"
    for relation in scanned:
        frame = wh.query_df(f"select * from {relation}")
        for column in frame.columns:
            assert not re.search("email|phone", column, re.I) or column.endswith("_hash"), (
                f"{relation}.{column}"
            )
            if frame[column].dtype.kind not in "OSU" and str(frame[column].dtype) != "str":
                continue
            values = frame[column].dropna().astype(str)
            assert not values.isin(known).any(), f"raw PII in {relation}.{column}"
            assert not values.str.contains(EMAIL).any(), f"email in {relation}.{column}"
            assert not values.str.contains(PHONE).any(), f"phone in {relation}.{column}"
