"""The Great Expectations gates around the dbt build, as Dagster steps.

They call what `customer-health run` calls (see :mod:`customer_health.orchestrate`): the source
gate is :func:`quality.validate_sources` and fails the step, so Dagster skips the dbt build and
the marts of the previous run stay as they were; the mart check is :func:`quality.validate_marts`,
one asset check per suite on ``mart_account_health``. Thresholds, the GX context and its Data
Docs, and the previous run's tiers record are the CLI's own, so the two schedulers agree.
"""

# no `from __future__ import annotations`: Dagster reads the context annotations at runtime
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    ConfigurableResource,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset_check,
)
from pydantic import Field

from customer_health import dbt as dbt_runner
from customer_health import orchestrate, quality
from customer_health import shapes as shapes_mod
from customer_health.warehouse import Warehouse

SOURCE_GATE = AssetKey("source_gate")

#: asset check name -> the GX suite it reports (validate_marts runs them all at once)
MART_CHECKS = {
    "gx_mart_account_health": "mart.account_health",
    "gx_tier_shares": "mart.tier_shares",
    "gx_coverage": "mart.coverage",
    "gx_tier_drift": "mart.tier_drift",
}
DRIFT_CHECK = "gx_tier_drift"  # a warning, never a failure (as in `customer-health run`)


class CustomerHealthResource(ConfigurableResource):
    """Where the warehouse is and how to run on it. Every field left unset falls back to what
    the CLI reads: ``$CUSTOMER_HEALTH_TARGET``, ``$CUSTOMER_HEALTH_DUCKDB_PATH`` (and the
    Postgres variables), ``reports/`` in the project, ``$CUSTOMER_HEALTH_MART_BOUNDS``."""

    target: str | None = Field(default=None, description="duckdb or postgres")
    duckdb_path: str | None = Field(default=None, description="the DuckDB warehouse file")
    reports_dir: str | None = Field(
        default=None, description="GX context, Data Docs and tiers record (default: reports/)"
    )
    as_of_date: str | None = Field(default=None, description="score date, YYYY-MM-DD")
    dbt_vars: str | None = Field(
        default=None, description="dbt vars as a YAML mapping, as `customer-health run --vars`"
    )
    mart_bounds: str | None = Field(
        default=None, description="YAML file of distribution bounds that fail the mart check"
    )
    all_tests: bool = Field(
        default=False,
        description="unit tests too, and every data test on whole tables, as "
        "`customer-health run --all-tests` (by default the large incremental tables are tested "
        "on the rows the run rewrote)",
    )

    def warehouse(self) -> Warehouse:
        wh = Warehouse.from_env(self.target)
        path = Path(self.duckdb_path) if self.duckdb_path else wh.duckdb_path
        # absolute: dbt runs from the project directory, the CLI from wherever it was started
        return replace(wh, duckdb_path=path.resolve() if path else None)

    def run_vars(self) -> tuple[date | None, dict[str, Any]]:
        """The as_of_date the gate uses and the vars dbt gets, resolved as the CLI does."""
        as_of = date.fromisoformat(self.as_of_date) if self.as_of_date else None
        return orchestrate.resolve_vars(as_of, orchestrate.parse_vars(self.dbt_vars))

    def reports(self) -> Path:
        if self.reports_dir:
            return Path(self.reports_dir).resolve()
        return dbt_runner.project_dir() / "reports"

    def tiers_record(self) -> Path:
        """The previous run's tiers, shared with `customer-health run` (its default summary)."""
        return orchestrate.tiers_record_path(self.reports() / "run_summary.json")


@contextmanager
def run_lock(wh: Warehouse) -> Iterator[None]:
    """The lock `customer-health run` holds, held for one step: a step never overlaps a CLI run
    (or another Dagster run's step) on the same warehouse."""
    lock = orchestrate.RunLock.acquire(wh)
    if lock is None:
        raise Failure(
            f"another run is in progress on {wh.describe()}",
            metadata={"next": "wait for it to finish, then re-execute this run"},
        )
    try:
        yield
    finally:
        lock.release()


@contextmanager
def gx_project(health: CustomerHealthResource, wh: Warehouse) -> Iterator[quality.GxProject]:
    reports = health.reports()
    with quality.open_project(wh, reports, reports / "data_docs") as project:
        yield project


def _failure_lines(failures: list[dict[str, Any]]) -> list[str]:
    lines = []
    for failure in failures[: orchestrate.SHOWN_FAILURES]:
        where = (failure.get("table") or "") + (
            f" [{failure['column']}]" if failure.get("column") else ""
        )
        lines.append(
            f"{where}: {failure.get('expectation', '')}: {quality.describe_failure(failure)}"
        )
    if len(failures) > orchestrate.SHOWN_FAILURES:
        lines.append(f"... and {len(failures) - orchestrate.SHOWN_FAILURES} more (Data Docs)")
    return lines


def source_gate_asset(raw_sources: Sequence[AssetKey]) -> AssetsDefinition:
    """The source gate, downstream of the raw tables and upstream of every dbt root node."""

    @asset(
        key=SOURCE_GATE,
        deps=list(raw_sources),
        group_name="quality",
        kinds={"great_expectations"},
        description=(
            "Great Expectations gate on the raw sources (quality.validate_sources). If it "
            "fails, the dbt build does not run and the marts of the previous run are kept."
        ),
    )
    def source_gate(
        context: AssetExecutionContext, health: CustomerHealthResource
    ) -> MaterializeResult:
        wh = health.warehouse()
        as_of_date, dbt_vars = health.run_vars()
        problem = orchestrate._cannot_start(wh)
        if problem:
            raise Failure(problem[0], metadata={"next": problem[1]})
        with run_lock(wh), gx_project(health, wh) as project:
            gate = quality.validate_sources(
                wh, project, as_of_date, shapes=shapes_mod.current(dbt_vars)
            )
            docs = project.build_docs()
        for note in gate.notes:
            context.log.info(f"note: {note['message']}")
        for warning in gate.warnings:
            context.log.warning(quality.describe_failure(warning))
        failed = [s.suite for s in gate.suites if not s.success]
        metadata: dict[str, Any] = {
            "warehouse": wh.describe(),
            "as_of_date": gate.as_of_date.isoformat() if gate.as_of_date else None,
            "suites": len(gate.suites),
            "failed_suites": failed,
            "expectations": sum(s.evaluated for s in gate.suites),
            "warnings": len(gate.warnings),
            "data_docs": MetadataValue.path(str(docs)),
        }
        if failed:
            lines = _failure_lines(gate.failures)
            for line in lines:
                context.log.error(line)
            raise Failure(
                f"source gate failed ({', '.join(failed)}); dbt was not run, the marts of the "
                "previous run are unchanged",
                metadata={
                    **metadata,
                    "failures": MetadataValue.md("\n".join(f"- {line}" for line in lines)),
                    "next": "fix the raw data named in the failures (or the connector that "
                    "loaded it) and run again; the Data Docs have the details",
                },
            )
        return MaterializeResult(metadata=metadata)

    return source_gate


def mart_checks(mart: AssetKey) -> AssetChecksDefinition:
    """The mart check after the build: one asset check per GX suite of validate_marts."""
    specs = [
        AssetCheckSpec(
            name,
            asset=mart,
            description=f"Great Expectations suite {suite} (quality.validate_marts)",
            # a failed mart check holds back whatever publishes the marts downstream
            blocking=name != DRIFT_CHECK,
        )
        for name, suite in MART_CHECKS.items()
    ]

    @multi_asset_check(specs=specs, name="mart_checks")
    def check_marts(
        context: AssetCheckExecutionContext, health: CustomerHealthResource
    ) -> Iterator[AssetCheckResult]:
        wh = health.warehouse()
        record_path = health.tiers_record()
        previous, drift_note = orchestrate._previous_tiers(record_path, wh)
        bounds = quality.mart_bounds(health.mart_bounds)
        with run_lock(wh), gx_project(health, wh) as project:
            marts = quality.validate_marts(wh, project, previous, bounds)
            docs = project.build_docs()
        drift = orchestrate._drift(marts, previous, drift_note, record_path)
        for warning in orchestrate._distribution_warnings(marts):
            context.log.warning(warning)
        for line in _failure_lines(marts.failures):
            context.log.error(line)
        for name, suite_name in MART_CHECKS.items():
            if name == DRIFT_CHECK:
                yield AssetCheckResult(
                    check_name=name,
                    asset_key=mart,
                    passed=drift["status"] != "warning",
                    severity=AssetCheckSeverity.WARN,
                    metadata={
                        **quality.jsonable(drift),
                        "data_docs": MetadataValue.path(str(docs)),
                    },
                )
                continue
            suite = marts.suite(suite_name)
            yield AssetCheckResult(
                check_name=name,
                asset_key=mart,
                passed=suite.success,
                severity=AssetCheckSeverity.ERROR,
                metadata={
                    "evaluated_expectations": suite.evaluated,
                    "failed_expectations": len(suite.failures),
                    "warnings": len(suite.warnings),
                    "observed": quality.jsonable(suite.observed),
                    "data_docs": MetadataValue.path(str(docs)),
                },
            )
        if marts.success:
            # as `customer-health run`: only a passed check becomes the next drift baseline
            orchestrate.write_tiers_record(record_path, wh, orchestrate._score_date(wh))

    return check_marts
