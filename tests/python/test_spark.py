"""Spark, the third tested engine (docs/spark.md): one small book built on a local Spark in
session mode (parquet tables, an embedded Derby metastore) and on DuckDB.

The whole project builds on Spark without an error, every public relation is identical to the
DuckDB build of the same book (the rules of the Postgres parity test), an incremental run of
the history and of the scoring models equals the full build, and the parquet snapshot closes and
opens versions.

Spark costs per statement, not per row, so the book is the smallest one found in which every
model has rows (quarantine, missed churns and lifecycle conflicts included), and everything
runs in one SparkSession: the loader, dbt (dbt-spark's session mode reuses the process's
session) and the reads.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest

from customer_health import dbt as dbt_runner
from customer_health import loader
from customer_health.warehouse import Warehouse

from .conftest import duckdb_warehouse
from .test_engines import PUBLIC_RELATIONS, assert_same_relation
from .test_incremental_factors import SCORING  # overwrite score_date partitions on Spark

# the smallest book found in which every model has rows (docs/spark.md); seed 6 since the
# generators plant expansion drivers (seed 1 then had no quarantined row and no missed churn)
BOOK = {"accounts": 36, "days": 300, "seed": 6}
MART = "marts.mart_account_health"
HISTORY = "marts.mart_account_health_history"
SNAPSHOT = "snapshots.snap_account_health"
# every public relation of the Postgres parity test, and the health mart itself
RELATIONS = sorted([MART, *PUBLIC_RELATIONS])
# two dbt threads share the session: Spark's cost is per statement, and one thread's Python
# (compiling, dbt's bookkeeping) overlaps the other's Spark job
THREADS = "2"
SNAPSHOT_CHECK = ["health_score", "health_tier", "risk_level", "final_tier", "weights_version"]


def require_spark() -> None:
    """Fail (not skip) with what to install when Java 17 or the Spark packages are missing."""
    missing = []
    java = shutil.which("java", path=os.path.join(os.environ.get("JAVA_HOME", ""), "bin"))
    java = java or shutil.which("java")
    if java is None:
        missing.append("a Java 17 runtime (e.g. apt-get install openjdk-17-jre-headless)")
    else:
        banner = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
        found = re.search(r'version "(\d+)', banner)
        if not found or int(found.group(1)) < 17:
            missing.append(f"Java 17 or later (found: {banner.splitlines()[:1]})")
    try:
        import dbt.adapters.spark  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as exc:
        missing.append(
            f"pyspark and dbt-spark[session] ({exc}; run `make install` or "
            "`pip install -r requirements.lock`)"
        )
    if missing:
        pytest.fail("the Spark tests need " + " and ".join(missing), pytrace=False)


@dataclass
class SparkBuild:
    result: Any  # dbt's result of the full build
    spark_frames: dict[str, pd.DataFrame]  # public relations after the full build
    duck_frames: dict[str, pd.DataFrame]  # the same, built on DuckDB
    history_full: pd.DataFrame
    history_tampered: pd.DataFrame  # before the incremental run
    history_incremental: pd.DataFrame
    stale_date: date  # rescored: its rows said another weights_version
    dropped_dates: list[date]  # partitions dropped before the incremental run
    stray_date: date  # a date that is no history date: pruned by the incremental run
    mart_full: pd.DataFrame
    snapshot_first: pd.DataFrame
    snapshot_second: pd.DataFrame
    changed: list[str]  # accounts whose health_score changed between the snapshot runs
    removed: str  # the account removed from the mart between the snapshot runs
    scoring_full: dict[str, pd.DataFrame]  # the scoring models after the full build
    scoring_tampered: dict[str, pd.DataFrame]  # ... before the incremental run
    scoring_incremental: dict[str, pd.DataFrame]  # ... after it


def _sorted_text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns)).reset_index(drop=True).astype(str)


def _literal(value: date) -> str:
    return f"date '{value.isoformat()}'"


def _tamper_with_history(spark: Any, query: Any) -> tuple[date, list[date], date]:
    """Make the history what an incremental run must repair: the two latest dates missing, an
    old date scored with other weights, and a date that is no history date."""
    dates = sorted(
        pd.to_datetime(query(f"select distinct score_date from {HISTORY}")["score_date"])
    )
    dates = [d.date() for d in dates]
    dropped, stale = dates[-2:], dates[len(dates) // 2]
    stray = dates[0] - timedelta(days=3)
    columns = spark.table(HISTORY).columns  # the partition column, score_date, comes last
    spark.sql("drop table if exists marts.tmp_history_rows")
    spark.sql(
        f"create table marts.tmp_history_rows as select * from {HISTORY} "
        f"where score_date in ({_literal(stale)}, {_literal(dates[0])})"
    )
    for day in [*dropped, stale]:
        spark.sql(f"alter table {HISTORY} drop partition (score_date = {_literal(day)})")
    for day, overrides in (
        (stale, {"weights_version": "'stale'"}),
        (dates[0], {"score_date": _literal(stray)}),
    ):
        select = ", ".join(f"{overrides.get(c, c)} as {c}" for c in columns)
        spark.sql(
            f"insert into {HISTORY} select {select} from marts.tmp_history_rows "
            f"where score_date = {_literal(day)}"
        )
    spark.sql("drop table marts.tmp_history_rows")
    return stale, dropped, stray


def _rewrite_partition(spark: Any, relation: str, day: date, overrides: dict[str, str]) -> None:
    """Replace the rows of one score_date partition by themselves with ``overrides`` (column ->
    SQL expression); with no overrides, drop the partition."""
    columns = spark.table(relation).columns
    spark.sql("drop table if exists intermediate.tmp_partition_rows")
    spark.sql(
        f"create table intermediate.tmp_partition_rows as select * from {relation} "
        f"where score_date = {_literal(day)}"
    )
    spark.sql(f"alter table {relation} drop partition (score_date = {_literal(day)})")
    if overrides:
        select = ", ".join(f"{overrides.get(c, c)} as {c}" for c in columns)
        spark.sql(f"insert into {relation} select {select} from intermediate.tmp_partition_rows")
    spark.sql("drop table intermediate.tmp_partition_rows")


def _tamper_with_scoring(spark: Any, query: Any) -> None:
    """What the incremental scoring models must repair: an old date missing from the health
    scores (its accounts are scored again), an old date of the account scores computed
    with other weights and one of the expansion factor scores computed with another expansion
    configuration (both rescored)."""
    dates = sorted(
        pd.to_datetime(
            query("select distinct score_date from intermediate.int_scoring__health_scores")[
                "score_date"
            ]
        ).dt.date
    )
    _rewrite_partition(spark, "intermediate.int_scoring__health_scores", dates[1], {})
    _rewrite_partition(
        spark,
        "intermediate.int_scoring__account_scores",
        dates[2],
        {"weights_version": "'stale'", "explanation": "'stale'"},
    )
    # the expansion factor scores carry the expansion configuration they were computed with
    _rewrite_partition(
        spark,
        "intermediate.int_expansion__factor_scores",
        dates[3],
        {"expansion_version": "'stale'", "signal": "'stale'"},
    )


def _tamper_with_mart(spark: Any, mart: pd.DataFrame) -> tuple[list[str], str]:
    """Change three accounts' scores in the health mart and remove a fourth, as a later build
    would: the next snapshot run must close and open versions."""
    scored = mart[mart["health_score"].notna()].sort_values("account_id")
    changed = list(scored["account_id"].iloc[:3])
    removed = str(scored["account_id"].iloc[-1])
    columns = spark.table(MART).columns
    bump = f"case when account_id in ({', '.join(repr(a) for a in changed)}) then 1 else 0 end"
    select = ", ".join(
        f"health_score + {bump} as health_score" if c == "health_score" else c for c in columns
    )
    spark.sql("drop table if exists marts.tmp_mart_rows")
    spark.sql(
        f"create table marts.tmp_mart_rows as select {select} from {MART} "
        f"where account_id <> '{removed}'"
    )
    spark.sql(f"insert overwrite table {MART} select * from marts.tmp_mart_rows")
    spark.sql("drop table marts.tmp_mart_rows")
    return changed, removed


# module scope: the SparkSession (and its JVM) stops, and the environment is restored, as soon as
# this file's tests are done, not at the end of the pytest-xdist worker that ran them
@pytest.fixture(scope="module")
def spark_built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkBuild]:
    """The book built on DuckDB, then on Spark; then, on Spark, one incremental run of the
    history and a second snapshot run after tampering with both."""
    require_spark()
    from customer_health import spark as spark_engine

    # DuckDB first, before the JVM takes its memory. It is the reference here: its data tests
    # run on other books in the suite, so only models, seeds and the snapshot are built.
    duck = duckdb_warehouse(tmp_path_factory.mktemp("spark_duck"))
    loader.generate_and_load(duck, progress=False, **BOOK)
    dbt_runner.run(
        ["build", "--full-refresh", "--exclude", "resource_type:test", "resource_type:unit_test"],
        duck,
        quiet=True,
    )
    duck_frames = {r: duck.query_df(f"select * from {r}") for r in RELATIONS}

    env = ("CUSTOMER_HEALTH_SPARK_DIR", "CUSTOMER_HEALTH_SPARK_THREADS", "TZ")
    saved = {k: os.environ.get(k) for k in env}
    os.environ["CUSTOMER_HEALTH_SPARK_DIR"] = str(tmp_path_factory.mktemp("spark"))
    os.environ["CUSTOMER_HEALTH_SPARK_THREADS"] = THREADS
    os.environ["TZ"] = "UTC"  # pyspark returns timestamps in the Python process's time zone
    time.tzset()
    spark = spark_engine.session()
    try:

        def query(sql: str) -> pd.DataFrame:
            return spark_engine.query_df(spark, sql)

        wh = Warehouse(engine="spark")
        spark_engine.generate_and_load(spark, **BOOK)
        result = dbt_runner.run(["build", "--full-refresh"], wh, quiet=True)
        spark_frames = {r: query(f"select * from {r}") for r in RELATIONS}
        snapshot_first = query(f"select * from {SNAPSHOT}")

        scoring_full = {r: query(f"select * from {r}") for r in SCORING}

        stale, dropped, stray = _tamper_with_history(spark, query)
        history_tampered = query(f"select * from {HISTORY}")
        changed, removed = _tamper_with_mart(spark, spark_frames[MART])
        _tamper_with_scoring(spark, query)
        scoring_tampered = {r: query(f"select * from {r}") for r in SCORING}
        dbt_runner.run(
            [
                "build",
                "--select",
                *(r.split(".")[1] for r in SCORING),
                "mart_account_health_history",
                "snap_account_health",
                "--exclude",
                "resource_type:test",
                "resource_type:unit_test",
            ],
            wh,
            quiet=True,
        )
        yield SparkBuild(
            result=result,
            spark_frames=spark_frames,
            duck_frames=duck_frames,
            history_full=spark_frames[HISTORY],
            history_tampered=history_tampered,
            history_incremental=query(f"select * from {HISTORY}"),
            stale_date=stale,
            dropped_dates=dropped,
            stray_date=stray,
            mart_full=spark_frames[MART],
            snapshot_first=snapshot_first,
            snapshot_second=query(f"select * from {SNAPSHOT}"),
            changed=changed,
            removed=removed,
            scoring_full=scoring_full,
            scoring_tampered=scoring_tampered,
            scoring_incremental={r: query(f"select * from {r}") for r in SCORING},
        )
    finally:
        spark_engine.stop(spark)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        time.tzset()


def test_the_whole_project_builds_on_spark_without_an_error(spark_built: SparkBuild) -> None:
    results = spark_built.result.result.results
    # exposures are in the build's results too: dbt marks them no-op, as nothing runs for them
    exposures = [r for r in results if str(r.node.resource_type) == "exposure"]
    assert exposures and {str(r.status) for r in exposures} == {"no-op"}
    statuses = Counter(str(r.status) for r in results if r not in exposures)
    assert set(statuses) <= {"success", "pass"}, statuses
    kinds = Counter(str(r.node.resource_type) for r in results)
    for kind in ("seed", "model", "snapshot", "test", "unit_test"):
        assert kinds[kind] > 0, f"no {kind} ran: {kinds}"


@pytest.mark.parametrize("relation", RELATIONS)
def test_every_public_relation_is_identical_on_spark_and_duckdb(
    spark_built: SparkBuild, relation: str
) -> None:
    assert_same_relation(
        relation,
        spark_built.duck_frames[relation],
        spark_built.spark_frames[relation],
        "Spark",
    )


def test_an_incremental_run_of_the_history_equals_the_full_build(
    spark_built: SparkBuild,
) -> None:
    def dates(frame: pd.DataFrame) -> set[date]:
        return {pd.Timestamp(d).date() for d in frame["score_date"]}

    full, tampered = spark_built.history_full, spark_built.history_tampered
    # what the run had to repair
    assert not set(spark_built.dropped_dates) & dates(tampered)
    assert spark_built.stray_date in dates(tampered)
    stale = tampered[pd.to_datetime(tampered["score_date"]).dt.date == spark_built.stale_date]
    assert len(stale) > 0 and (stale["weights_version"] == "stale").all()
    pd.testing.assert_frame_equal(
        _sorted_text(spark_built.history_incremental), _sorted_text(full), obj=HISTORY
    )


@pytest.mark.parametrize("relation", SCORING)
def test_an_incremental_run_of_the_scoring_models_equals_the_full_build(
    spark_built: SparkBuild, relation: str
) -> None:
    full = spark_built.scoring_full[relation]
    assert len(full) > 0
    if relation.endswith(("health_scores", "account_scores")):
        # tampered with (a partition dropped, a date with other weights): the run repaired it
        assert not _sorted_text(spark_built.scoring_tampered[relation]).equals(_sorted_text(full))
    incremental = spark_built.scoring_incremental[relation][list(full.columns)]
    pd.testing.assert_frame_equal(_sorted_text(incremental), _sorted_text(full), obj=relation)


def _versions(snapshot: pd.DataFrame, account_id: str) -> pd.DataFrame:
    rows = snapshot[snapshot["account_id"] == account_id]
    return rows.sort_values("dbt_valid_from").reset_index(drop=True)


def test_the_snapshot_opens_one_version_per_account_equal_to_the_mart(
    spark_built: SparkBuild,
) -> None:
    mart = spark_built.mart_full.set_index("account_id")
    first = spark_built.snapshot_first
    assert first["dbt_valid_to"].isna().all()
    assert first["account_id"].is_unique
    assert set(first["account_id"]) == set(mart.index)
    first = first.set_index("account_id").loc[mart.index]
    for column in SNAPSHOT_CHECK:
        assert list(first[column].astype(str)) == list(mart[column].astype(str)), column


def test_a_second_snapshot_run_closes_changed_and_removed_accounts(
    spark_built: SparkBuild,
) -> None:
    first, second = spark_built.snapshot_first, spark_built.snapshot_second
    for account_id in spark_built.changed:
        old, new = _versions(second, account_id).itertuples(index=False)
        assert pd.notna(old.dbt_valid_to) and pd.isna(new.dbt_valid_to), account_id
        assert float(new.health_score) == pytest.approx(float(old.health_score) + 1)
    gone = _versions(second, spark_built.removed)
    assert len(gone) == 1 and gone["dbt_valid_to"].notna().all()
    untouched = set(first["account_id"]) - {*spark_built.changed, spark_built.removed}
    assert len(untouched) > 20
    same = second[second["account_id"].isin(untouched)]
    assert same["dbt_valid_to"].isna().all()
    pd.testing.assert_frame_equal(
        _sorted_text(same), _sorted_text(first[first["account_id"].isin(untouched)])
    )
