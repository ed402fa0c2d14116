"""The Dagster job (customer_health.orchestration) in process on a small book: the source gate
runs first, every dbt node is materialised with its dbt tests as asset checks, the GX mart checks
run after the build, and the marts have rows. A failing source gate stops the job before dbt.

One job run (about the cost of one `customer-health run`) serves the module; the failing gate
needs no build at all."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from customer_health import loader, orchestrate, quality
from customer_health.warehouse import Warehouse

from .conftest import duckdb_warehouse

try:
    from dagster import (
        AssetCheckSeverity,
        AssetKey,
        AssetsDefinition,
        DagsterEventType,
        DagsterInstance,
        Definitions,
        ExecuteInProcessResult,
    )

    from customer_health.orchestration import build_definitions, definitions, gates

    MISSING = None
except ImportError as exc:
    MISSING = (
        f"the Dagster orchestration needs dagster and dagster-dbt ({exc}): install them with "
        "`pip install -r requirements.lock` (dagster==1.13.27, dagster-dbt==0.29.27)"
    )


@pytest.fixture(scope="module", autouse=True)
def dagster_installed() -> None:
    """Without Dagster every test here fails, saying what to install (never a skip)."""
    if MISSING:
        pytest.fail(MISSING, pytrace=False)


BOOK = {"accounts": 40, "days": 150, "seed": 7}
GATE_STEP, DBT_STEP, MART_STEP = "source_gate", "dbt_build", "mart_checks"
# the public marts (models/marts/health), in the marts schema
MARTS = (
    "mart_account_health",
    "mart_account_health_factors",
    "mart_account_health_history",
    "mart_health_alerts",
    "mart_portfolio_health",
)


def health_for(wh: Warehouse, reports: Path) -> gates.CustomerHealthResource:
    return gates.CustomerHealthResource(
        target="duckdb", duckdb_path=str(wh.duckdb_path), reports_dir=str(reports)
    )


def run_job(defs: Definitions) -> ExecuteInProcessResult:
    job = defs.resolve_job_def(definitions.JOB_NAME)
    instance = DagsterInstance.ephemeral(settings={"telemetry": {"enabled": False}})
    return job.execute_in_process(instance=instance, raise_on_error=False)


def step_order(result: ExecuteInProcessResult) -> list[tuple[str, str]]:
    """(step, event) for every step start, success and failure, in the order they happened."""
    kinds = {
        DagsterEventType.STEP_START: "start",
        DagsterEventType.STEP_SUCCESS: "success",
        DagsterEventType.STEP_FAILURE: "failure",
    }
    return [
        (str(e.step_key), kinds[e.event_type]) for e in result.all_events if e.event_type in kinds
    ]


def dbt_assets(defs: Definitions) -> AssetsDefinition:
    (assets,) = [
        a
        for a in defs.assets or []
        if isinstance(a, AssetsDefinition) and a.node_def.name == DBT_STEP
    ]
    return assets


@pytest.fixture(scope="module")
def job_run(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("dagster")
    wh = duckdb_warehouse(base)
    loader.generate_and_load(wh, progress=False, **BOOK)
    # the manifest is made here by dbt parse (no network), as `dagster dev` does on load
    defs = build_definitions(health_for(wh, base / "reports"), parse=True)
    started = time.perf_counter()
    result = run_job(defs)
    return wh, base / "reports", defs, result, time.perf_counter() - started


def test_the_job_gates_builds_and_checks_in_that_order(job_run) -> None:
    _, _, _, result, _ = job_run
    failures = [e.event_specific_data.error.message for e in result.get_step_failure_events()]
    assert result.success, failures
    order = step_order(result)
    assert order.index((GATE_STEP, "success")) < order.index((DBT_STEP, "start"))
    assert order.index((DBT_STEP, "success")) < order.index((MART_STEP, "start"))
    assert {step for step, _ in order} == {GATE_STEP, DBT_STEP, MART_STEP}


def test_the_gate_ran_and_passed(job_run) -> None:
    _, _, _, result, _ = job_run
    (gate,) = [
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key == gates.SOURCE_GATE
    ]
    metadata = {k: v.value for k, v in gate.metadata.items()}
    assert metadata["suites"] >= 20 and metadata["failed_suites"] == []
    assert metadata["expectations"] > 100
    assert metadata["as_of_date"]
    assert Path(metadata["data_docs"]).exists()


def test_every_dbt_node_is_an_asset_and_was_materialised(job_run) -> None:
    _, _, defs, result, _ = job_run
    assets = dbt_assets(defs)
    manifest_nodes = {spec.metadata["dagster_dbt/unique_id"].split(".")[0] for spec in assets.specs}
    assert manifest_nodes == {"model", "seed", "snapshot"}
    materialised = {e.asset_key for e in result.get_asset_materialization_events()}
    assert set(assets.keys) <= materialised
    assert len(assets.keys) > 50
    # the dbt roots wait for the gate; the raw sources are upstream of the gate
    base_accounts = definitions.get_asset_key_for_model([assets], "base_crm__accounts")
    assert gates.SOURCE_GATE in {d.asset_key for d in assets.specs_by_key[base_accounts].deps}
    gate_deps = {
        d.asset_key
        for d in defs.resolve_assets_def(gates.SOURCE_GATE).specs_by_key[gates.SOURCE_GATE].deps
    }
    assert AssetKey(["crm", "accounts"]) in gate_deps


def test_dbt_tests_ran_as_asset_checks_and_passed(job_run) -> None:
    _, _, defs, result, _ = job_run
    assets = dbt_assets(defs)
    evaluations = {e.asset_check_key: e for e in result.get_asset_check_evaluations()}
    dbt_checks = set(assets.check_keys)
    assert len(dbt_checks) > 200  # unique, not_null, relationships, ... on the models
    assert dbt_checks <= set(evaluations)
    failed = [str(k) for k in dbt_checks if not evaluations[k].passed]
    assert failed == []


def test_the_mart_checks_ran_after_the_build_and_passed(job_run) -> None:
    wh, reports, defs, result, _ = job_run
    mart = definitions.get_asset_key_for_model([dbt_assets(defs)], "mart_account_health")
    evaluations = {
        e.asset_check_key.name: e
        for e in result.get_asset_check_evaluations()
        if e.asset_check_key.asset_key == mart and e.asset_check_key.name in gates.MART_CHECKS
    }
    assert set(evaluations) == set(gates.MART_CHECKS)
    assert all(e.passed for e in evaluations.values())
    coverage = evaluations["gx_coverage"].metadata["observed"].value
    assert coverage["missing_from_mart"] == 0 and coverage["live_staged_accounts"] > 0
    # first run: nothing to compare with, so drift is skipped (a warning at most, never an error)
    drift = evaluations[gates.DRIFT_CHECK]
    assert drift.severity == AssetCheckSeverity.WARN
    assert drift.metadata["status"].value == "skipped"
    # as `customer-health run`: the tiers are kept for the next run's drift check
    record = orchestrate.tiers_record_path(reports / "run_summary.json")
    assert record.exists() and str(wh.duckdb_path) in record.read_text()


def test_the_marts_exist_with_rows(job_run) -> None:
    wh, _, _, _, seconds = job_run
    counts = wh.query_df(
        " union all ".join(f"select '{m}' as mart, count(*) as n from marts.{m}" for m in MARTS)
    )
    assert (counts["n"] > 0).all(), counts
    live = wh.query_df(quality.live_accounts_sql())
    assert len(live) == wh.query_df(f"select count(*) as n from {quality.MART_RELATION}")["n"][0]
    print(f"Dagster job on {BOOK['accounts']} accounts: {seconds:.1f}s")


def test_the_schedule_runs_the_whole_job_daily(job_run) -> None:
    _, _, defs, _, _ = job_run
    (schedule,) = defs.schedules or []
    assert schedule.job_name == definitions.JOB_NAME
    assert schedule.cron_schedule == definitions.DAILY_CRON == "0 5 * * *"
    job = defs.resolve_job_def(definitions.JOB_NAME)
    every_asset = set(defs.resolve_asset_graph().get_all_asset_keys())
    materialisable = {k for k in every_asset if defs.resolve_asset_graph().get(k).is_materializable}
    assert materialisable <= set(job.asset_layer.selected_asset_keys)
    assert gates.SOURCE_GATE in materialisable


def test_a_failing_source_gate_stops_the_job_before_the_build(tmp_path: Path) -> None:
    wh = duckdb_warehouse(tmp_path)
    loader.generate_and_load(wh, progress=False, **BOOK)
    wh.execute("delete from raw_crm.accounts")  # the load lost every account
    defs = build_definitions(health_for(wh, tmp_path / "reports"))  # parses if no manifest

    result = run_job(defs)

    assert not result.success
    assert result.get_failed_step_keys() == {GATE_STEP}
    started = {step for step, event in step_order(result) if event == "start"}
    assert started == {GATE_STEP}  # dbt and the mart checks never started
    assert result.get_asset_materialization_events() == []
    assert result.get_asset_check_evaluations() == []
    (failure,) = result.get_step_failure_events()
    error = failure.event_specific_data.error
    assert "source gate failed" in error.message and "source.crm.accounts" in error.message
    metadata = failure.event_specific_data.user_failure_data.metadata
    assert "source.crm.accounts" in metadata["failed_suites"].value
    # nothing was built
    schemas = wh.query_df("select distinct table_schema from information_schema.tables")
    assert "marts" not in set(schemas["table_schema"])
