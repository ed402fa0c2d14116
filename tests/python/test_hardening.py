"""Runs an orchestrator can trust: idempotent, late rows picked up by the incremental history,
and no personal data in any mart or snapshot."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from customer_health import dbt as dbt_runner
from customer_health.warehouse import Warehouse

from .conftest import copy_duckdb

PUBLIC = [
    "marts.mart_account_health",
    "marts.mart_account_health_history",
    "marts.mart_account_health_factors",
    "marts.mart_health_alerts",
    "marts.mart_portfolio_health",
]


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
    dbt_runner.run(["build", "--exclude", "test_type:data"], wh, quiet=True)
    for relation, frame in before.items():
        after = snapshot_of(wh, relation)
        pd.testing.assert_frame_equal(frame, after, obj=relation)


def test_late_rows_are_picked_up_by_the_incremental_history(
    duck_built: Warehouse, tmp_path: Path
) -> None:
    wh = copy_of(duck_built, tmp_path)
    as_of = pd.Timestamp(
        wh.query_df("select max(score_date) as d from marts.mart_account_health")["d"][0]
    ).date()
    late_day = as_of - timedelta(days=3)
    account = wh.query_df(
        "select account_id from marts.mart_account_health order by priority_rank limit 1"
    )["account_id"][0]
    # 400 events dated three days ago that only arrive now
    wh.execute(
        "insert into raw_product.events (event_id, account_id, user_id, feature_key, "
        "occurred_at, org_id, _loaded_at, _is_deleted) "
        f"select 'LATE' || cast(i as varchar), '{account}', 'ULATE' || cast(i % 40 as varchar), "
        f"'reports', timestamptz '{late_day} 12:00:00+00', null, now(), false "
        "from range(400) as t(i)"
    )
    incremental_before = snapshot_of(wh, "marts.mart_account_health_history")
    dbt_runner.run(["build", "--exclude", "test_type:data"], wh, quiet=True)
    incremental = snapshot_of(wh, "marts.mart_account_health_history")
    assert not incremental.equals(incremental_before), "the late rows changed nothing"
    dbt_runner.run(["build", "--full-refresh", "--exclude", "test_type:data"], wh, quiet=True)
    full = snapshot_of(wh, "marts.mart_account_health_history")
    pd.testing.assert_frame_equal(incremental, full)


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


def test_a_second_build_on_postgres_is_incremental_and_changes_nothing(
    pg_built: Warehouse,
) -> None:
    before = {r: snapshot_of(pg_built, r) for r in PUBLIC}
    dbt_runner.run(["build", "--exclude", "test_type:data"], pg_built, quiet=True)
    for relation, frame in before.items():
        pd.testing.assert_frame_equal(frame, snapshot_of(pg_built, relation), obj=relation)
