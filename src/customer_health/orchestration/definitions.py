"""Dagster definitions: `customer-health run` as assets, checks and a daily schedule.

* ``source_gate``: the GX gate on the raw sources (:mod:`.gates`), upstream of every dbt root.
* ``dbt_build``: every dbt model, seed and snapshot as an asset (dagster-dbt), built by one
  ``dbt build``; dbt tests are asset checks on the model they test.
* ``mart_checks``: the GX mart suites, as asset checks on ``mart_account_health``.
* ``customer_health_daily``: the job of all of them, and a schedule that runs it every day.

The warehouse comes from the CLI's environment variables (``CUSTOMER_HEALTH_TARGET``,
``CUSTOMER_HEALTH_DUCKDB_PATH``, ``CUSTOMER_HEALTH_PG_*``) and dbt uses the CLI's profiles
(:func:`customer_health.dbt.profiles_dir`). The manifest is made by ``dbt parse`` through the
project's own runner, which needs no network: on every load under ``dagster dev``, otherwise
when it is missing (a deployment may ship one made at build time).
"""

# no `from __future__ import annotations`: Dagster reads the context annotations at runtime
import json
import shutil
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetSelection,
    AssetSpec,
    DefaultScheduleStatus,
    Definitions,
    ScheduleDefinition,
    define_asset_job,
    definitions,
)
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
    get_asset_key_for_model,
)
from dagster_dbt.dbt_project import using_dagster_dev

from customer_health import dbt as dbt_runner
from customer_health import orchestrate, quality
from customer_health.orchestration import gates
from customer_health.warehouse import Warehouse

JOB_NAME = "customer_health_daily"
#: Every day at 05:00 UTC, as the cron line in the README.
DAILY_CRON = "0 5 * * *"
MART_MODEL = quality.MART_RELATION.split(".")[-1]


class HealthDbtTranslator(DagsterDbtTranslator):
    """dagster-dbt's defaults, plus: groups follow the folders (staging, intermediate, marts,
    ...), and every root node (a seed, or a model that reads only raw sources) waits for the
    source gate."""

    def __init__(self) -> None:
        super().__init__(DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        kind = dbt_resource_props["resource_type"]
        fqn = dbt_resource_props.get("fqn") or []
        if kind == "model" and len(fqn) > 2:
            return str(fqn[1])
        return {"seed": "seeds", "snapshot": "snapshots"}.get(kind, "dbt")

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if not unique_id.startswith(("model.", "seed.", "snapshot.")):
            return spec
        node = self.get_resource_props(manifest, unique_id)
        upstream = node.get("depends_on", {}).get("nodes", [])
        if all(u.startswith("source.") for u in upstream):
            return spec.merge_attributes(deps=[gates.SOURCE_GATE])
        return spec


def dbt_project(wh: Warehouse) -> DbtProject:
    """The dbt project with the CLI's profiles and its target/ for this engine."""
    project = dbt_runner.project_dir()
    return DbtProject(
        project_dir=project,
        profiles_dir=dbt_runner.profiles_dir(project),
        target_path=dbt_runner.target_path(wh, project),
    )


def prepare_manifest(wh: Warehouse, project: DbtProject, parse: bool | None = None) -> Path:
    """``dbt parse`` (no network, no warehouse connection) when asked, under ``dagster dev``,
    or when there is no manifest yet; returns the manifest's path."""
    if parse is None:
        parse = using_dagster_dev() or not project.manifest_path.exists()
    if parse:  # Dagster reads manifest.json: written even where DBT_WRITE_JSON=false is set
        dbt_runner.run(["parse", "--write-json"], wh, quiet=True, project=project.project_dir)
    return project.manifest_path


def dbt_executable() -> str:
    """The dbt next to this Python (the project's venv), else the one on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def build_definitions(
    health: gates.CustomerHealthResource | None = None,
    *,
    parse: bool | None = None,
    cron: str = DAILY_CRON,
) -> Definitions:
    """The assets, checks, job and schedule for the warehouse ``health`` points at (by default
    the one the CLI's environment variables name)."""
    health = health or gates.CustomerHealthResource()
    wh = health.warehouse()
    project = dbt_project(wh)
    manifest = prepare_manifest(wh, project, parse)

    @dbt_assets(
        manifest=manifest,
        project=project,
        dagster_dbt_translator=HealthDbtTranslator(),
        name="dbt_build",
    )
    def dbt_build(
        context: AssetExecutionContext,
        dbt: DbtCliResource,
        health: gates.CustomerHealthResource,
    ) -> Iterator[Any]:
        wh = health.warehouse()
        as_of, dbt_vars = health.run_vars()
        # the nightly's tests, as `customer-health run` runs them (DECISIONLOG 49)
        args, dbt_vars, _ = orchestrate.nightly_build(
            wh, dbt_vars, all_tests=health.all_tests, as_of=as_of
        )
        args = [*args, *(["--vars", json.dumps(dbt_vars)] if dbt_vars else [])]
        with gates.run_lock(wh):
            # the dbt process inherits the environment: point its profile at this warehouse
            with dbt_runner._environ(wh.env()):
                invocation = dbt.cli(args, context=context, target_path=project.target_path)
            yield from invocation.stream()

    # the dbt sources: what dbt reads and does not build, other than the gate
    raw_sources = sorted(
        set(dbt_build.dependency_keys) - set(dbt_build.keys) - {gates.SOURCE_GATE},
        key=lambda k: k.to_user_string(),
    )
    mart = get_asset_key_for_model([dbt_build], MART_MODEL)
    job = define_asset_job(
        JOB_NAME,
        selection=AssetSelection.all(),
        description="`customer-health run`: source gate, dbt build (tests as checks), mart checks.",
    )
    return Definitions(
        assets=[gates.source_gate_asset(raw_sources), dbt_build],
        asset_checks=[gates.mart_checks(mart)],
        jobs=[job],
        schedules=[
            ScheduleDefinition(
                name=f"{JOB_NAME}_schedule",
                job=job,
                cron_schedule=cron,
                execution_timezone="UTC",
                default_status=DefaultScheduleStatus.STOPPED,
            )
        ],
        resources={
            "dbt": DbtCliResource(project_dir=project, dbt_executable=dbt_executable()),
            "health": health,
        },
    )


@definitions
def defs() -> Definitions:
    """What ``dagster dev -m customer_health.orchestration`` loads."""
    return build_definitions()
