"""Session fixtures: one small demo book, built once per engine per test session."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from customer_health import dbt as dbt_runner
from customer_health import loader, orchestrate, second_world
from customer_health.contract import TABLES
from customer_health.generator import connectors
from customer_health.pgcluster import PgCluster
from customer_health.warehouse import Warehouse

from . import shared_builds
from .connectors import harness

# A small book keeps the suite fast; the bench builds the large sizes.
BOOK = {"accounts": 240, "days": 420, "seed": 7}
# The second world (docs/second_world.md), small enough to build once per session.
SECOND_WORLD = {"accounts": 300, "months": 15, "seed": 11}
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

# dbt's file log at info, not debug: the suite's hundreds of builds otherwise write every
# statement to logs/dbt.log (about 5% of a build's CPU, measured); a failing test's dbt error
# is in its message and still in the log. Set DBT_LOG_LEVEL_FILE=debug to have them all.
os.environ.setdefault("DBT_LOG_LEVEL_FILE", "info")
# Nor does a build write manifest.json and run_results.json (about a second of each dbt
# command's CPU, measured; the suite runs a few hundred): what reads them asks for them
# (Dagster's `dbt parse --write-json`, test_run's DBT_WRITE_JSON=true; `dbt docs generate`
# writes its own manifest).
os.environ.setdefault("DBT_WRITE_JSON", "false")

# `make test` runs the suite in two pytest-xdist workers: each gets its own dbt target directory
# (manifest, run results, partial parse), as two processes building at once must
if os.environ.get("PYTEST_XDIST_WORKER"):
    # A worker's __main__ has neither __spec__ nor __file__, which pyspark.sql.connect (imported
    # by great_expectations) takes for a doctest run, and exits the process. Name the file.
    main_module = sys.modules["__main__"]
    if getattr(main_module, "__spec__", None) is None and not hasattr(main_module, "__file__"):
        main_module.__file__ = "pytest-xdist worker"
    os.environ["CUSTOMER_HEALTH_DBT_TARGET_PATH"] = str(
        Path(
            os.environ.get("CUSTOMER_HEALTH_DBT_TARGET_PATH")
            or Path(__file__).resolve().parents[2] / "target"
        )
        / os.environ["PYTEST_XDIST_WORKER"]
    )


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput") and getattr(config.option, "numprocesses", None):
        shared_builds.start_run(config.option.dist)  # the xdist controller, before its workers


# The files that take longest, longest first (measured in a two-worker run: each builds and
# rebuilds books on both engines). With --dist loadfile a worker takes a whole file at a time in
# collection order (`make test` passes --no-loadscope-reorder, else xdist orders files by their
# number of tests): a long file taken last would leave the other worker idle at the end. The
# Spark tests are one of these files, not a third process beside the two workers: three busy
# processes on two cores took 47 minutes where two take 29 (DECISIONLOG 52).
LONGEST_FIRST = (
    "test_spark.py",
    "test_privacy.py",
    "connectors/test_parity.py",
    "test_hardening.py",
    "test_incremental_scoring.py",
    "test_ritual.py",
    "test_bad_input.py",
    "test_tenant_isolation.py",
    "test_run.py",
    "test_foreign_book_2.py",
    "test_lifecycle.py",
    "connectors/test_hubspot.py",
    "test_snapshots.py",
    "test_incremental_factors.py",
    "test_foreign_book.py",
    "test_pii_scan.py",
    "test_orchestration.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files of LONGEST_FIRST first, in that order; the rest after them as collected. The
    sort is stable: a file's tests keep their order."""
    here = Path(__file__).resolve().parent
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}

    def file_rank(item: pytest.Item) -> int:
        path = Path(str(item.fspath)).resolve()
        name = path.relative_to(here).as_posix() if path.is_relative_to(here) else path.name
        return rank.get(name, len(rank))

    items.sort(key=file_rank)


def pytest_unconfigure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        shared_builds.end_run()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A throwaway Postgres server: one per run, shared by the xdist workers (the controller
    stops it), or this process's own."""
    shared = shared_builds.shared_dir() is not None
    try:
        cluster = shared_builds.shared_cluster() if shared else PgCluster.start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield cluster
    finally:
        if not shared:
            cluster.stop()


def pg_database(cluster: PgCluster, dbname: str) -> Warehouse:
    """The warehouse of database ``dbname`` of ``cluster`` (which must exist)."""
    return Warehouse(
        engine="postgres",
        pg_host=cluster.host,
        pg_port=cluster.port,
        pg_user=cluster.user,
        pg_password="",
        pg_dbname=dbname,
    )


def pg_warehouse(cluster: PgCluster, dbname: str) -> Warehouse:
    """A new empty database ``dbname`` (dropped first if it exists)."""
    cluster.create_database(dbname)
    return pg_database(cluster, dbname)


def duckdb_warehouse(directory: Path, name: str = "warehouse.duckdb") -> Warehouse:
    return replace(Warehouse.from_env("duckdb"), duckdb_path=directory / name)


def copy_duckdb(wh: Warehouse, directory: Path) -> Warehouse:
    """A copy of a DuckDB warehouse in another directory, checkpointed first: dbt-duckdb keeps
    the file open in-process, so recent changes may still sit in the write-ahead log."""
    assert wh.duckdb_path is not None
    wh.execute("checkpoint")
    shutil.copyfile(wh.duckdb_path, directory / "warehouse.duckdb")
    wal = Path(f"{wh.duckdb_path}.wal")
    if wal.exists():
        shutil.copyfile(wal, directory / "warehouse.duckdb.wal")
    return duckdb_warehouse(directory)


# database -> an untouched copy of it that nobody connects to, to copy from: a database can only
# be copied while it has no connection, and the other worker may be reading the original
PRISTINE: dict[str, str] = {}


def copy_postgres(wh: Warehouse, cluster: PgCluster, name: str) -> Warehouse:
    """A copy of a Postgres warehouse in database ``name`` of the same cluster."""
    assert wh.pg_dbname is not None
    cluster.create_database(name, template=PRISTINE.get(wh.pg_dbname, wh.pg_dbname))
    return replace(wh, pg_dbname=name)


def run_captured(wh: Warehouse, directory: Path) -> tuple[orchestrate.RunResult, str]:
    """`customer-health run` on ``wh``, its summary and Data Docs in ``directory``, and what it
    printed."""
    lines: list[str] = []
    result = orchestrate.run_pipeline(
        wh,
        as_of_date=None,
        summary_path=directory / "run_summary.json",
        docs_dir=directory / "data_docs",
        echo=lambda message="", **_: lines.append(str(message)),
    )
    return result, "\n".join(lines)


def load_and_build(wh: Warehouse, **book: int) -> Warehouse:
    loader.generate_and_load(wh, progress=False, **{**BOOK, **book})
    dbt_runner.run(["build", "--full-refresh"], wh, quiet=True)
    return wh


@pytest.fixture(scope="session")
def duck_built(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """The demo book built on DuckDB (dbt build: seeds, models, tests)."""
    directory = tmp_path_factory.mktemp("duck")
    return shared_builds.duckdb_once(
        "duck_built",
        lambda: load_and_build(duckdb_warehouse(directory)),
        directory,
    )


def keep_latest_versions(wh: Warehouse) -> None:
    """Drop superseded versions of each key (staging keeps the latest one anyway), so that
    truncating by date cannot bring back an old version of a row whose latest version is
    dated after d."""
    for table in TABLES:
        key = ", ".join(table.key)
        wh.execute(
            f"delete from {table.schema}.{table.name} where rowid not in ("
            f"select rowid from (select rowid, row_number() over (partition by {key} "
            f"order by _loaded_at desc) as rn from {table.schema}.{table.name}) as v "
            "where rn = 1)"
        )


def truncate_at(wh: Warehouse, d: date) -> None:
    """Make the raw data look as it did at the end of day d: nothing dated after d exists."""
    keep_latest_versions(wh)
    nxt = f"timestamptz '{(d + timedelta(days=1)).isoformat()} 00:00:00+00'"
    day = f"date '{d.isoformat()}'"
    wh.execute(
        f"delete from raw_crm.accounts where created_date > {day}",
        f"delete from raw_crm.contacts where active_from > {day}",
        f"update raw_crm.contacts set active_to = null where active_to > {day}",
        f"delete from raw_crm.activities where occurred_at >= {nxt}",
        f"delete from raw_crm.sentiment where recorded_at >= {nxt}",
        f"delete from raw_crm.contracts where start_date > {day}",
        f"delete from raw_crm.opportunities where close_date > {day}",
        f"delete from raw_product.events where occurred_at >= {nxt}",
        f"delete from raw_product.seats where effective_date > {day}",
        f"delete from raw_support.tickets where created_at >= {nxt}",
        f"update raw_support.tickets set solved_at = null, status = 'open' "
        f"where solved_at >= {nxt}",
        f"update raw_support.tickets set first_response_at = null where first_response_at >= {nxt}",
        f"delete from raw_billing.subscriptions where started_at >= {nxt}",
        f"update raw_billing.subscriptions set cancelled_at = null, status = 'active' "
        f"where cancelled_at >= {nxt}",
        f"delete from raw_billing.plan_changes where changed_at >= {nxt}",
        f"delete from raw_billing.invoices where issued_date > {day}",
        f"update raw_billing.invoices set paid_date = null, status = 'open' "
        f"where paid_date > {day}",
        f"delete from raw_billing.payments where attempted_at >= {nxt}",
        f"delete from raw_billing.disputes where opened_at >= {nxt}",
    )


@pytest.fixture(scope="session")
def truncated_build(duck_built: Warehouse, tmp_path_factory: pytest.TempPathFactory):
    full = duck_built.query_df(
        "select max(score_date) as d from marts.mart_account_health_history "
        "where score_date < (select max(score_date) from marts.mart_account_health_history) - 90"
    )
    d = pd.Timestamp(full["d"][0]).date()
    directory: Path = tmp_path_factory.mktemp("pit")

    def build() -> Warehouse:
        wh = copy_duckdb(duck_built, directory)
        truncate_at(wh, d)
        dbt_runner.run(
            [
                "build",
                "--full-refresh",
                "--exclude",
                "resource_type:test",
                "resource_type:unit_test",
            ],
            wh,
            dbt_vars={"as_of_date": d.isoformat()},
            quiet=True,
        )
        return wh

    wh = shared_builds.duckdb_once(
        "truncated_build",
        build,
        directory,
    )
    return d, wh


@pytest.fixture(scope="session")
def second_world_book() -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The second world's raw frames and its oracle (one row per renewal decision)."""
    return second_world.generate(**SECOND_WORLD)


@pytest.fixture(scope="session")
def second_world_built(
    tmp_path_factory: pytest.TempPathFactory,
    second_world_book: tuple[dict[str, pd.DataFrame], pd.DataFrame],
) -> tuple[Warehouse, pd.DataFrame]:
    """The second world built on DuckDB (dbt build), with its oracle."""
    frames, oracle = second_world_book
    directory = tmp_path_factory.mktemp("second_world")

    def build() -> Warehouse:
        wh = duckdb_warehouse(directory)
        loader.load_frames(wh, frames)  # (re)creates the raw schemas first
        dbt_runner.run(["build", "--full-refresh"], wh, quiet=True)
        return wh

    wh = shared_builds.duckdb_once(
        "second_world_built",
        build,
        directory,
    )
    return wh, oracle


# connector combination A (tests/python/connectors): Salesforce as the CRM
COMBO_A = connectors.Shapes(crm="salesforce", support="zendesk", billing="stripe", usage="pendo")


@pytest.fixture(scope="session")
def combo_a(tmp_path_factory: pytest.TempPathFactory) -> harness.Pair:
    """Salesforce + Zendesk + Stripe + Pendo, and its contract equivalent, on DuckDB (built once
    for the connector tests and the score export)."""
    return harness.shared_pair("combo_a", tmp_path_factory.mktemp("combo_a"), COMBO_A)


@pytest.fixture(scope="session")
def pg_built(pg_cluster: PgCluster) -> Warehouse:
    """The same demo book built on the throwaway Postgres server, with an untouched copy of it
    that the copies are made from."""
    name = "customer_health_test"
    PRISTINE[name] = f"{name}_pristine"

    def build() -> Warehouse:
        wh = load_and_build(pg_warehouse(pg_cluster, name))
        pg_cluster.create_database(PRISTINE[name], template=name)
        return wh

    return shared_builds.once(
        "pg_built", build, lambda wh, place: None, lambda place: pg_database(pg_cluster, name)
    )


@pytest.fixture(autouse=True, scope="session")
def _no_user_env() -> Iterator[None]:
    """Tests must not depend on a developer's own warehouse settings."""
    saved = {
        k: v
        for k, v in os.environ.items()
        if k.startswith("CUSTOMER_HEALTH_") and k != "CUSTOMER_HEALTH_DBT_TARGET_PATH"
    }
    for k in saved:
        del os.environ[k]
    yield
    os.environ.update(saved)
