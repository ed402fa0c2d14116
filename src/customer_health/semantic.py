"""The semantic layer's metrics (models/semantic), queried in-process through MetricFlow.

`mf query` does the same from a shell (README "BI: governed marts and the semantic layer"),
but reads target/semantic_manifest.json of the project only. This reads the semantic manifest
the last dbt run wrote for the warehouse (dbt.target_path) and queries the warehouse through
dbt's own adapter, as `mf` does. Needs the package dbt-metricflow (requirements.lock).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from customer_health import dbt as dbt_runner
from customer_health.warehouse import Warehouse


class SemanticLayerError(RuntimeError):
    """The semantic layer could not be loaded or queried; the message says why."""


def semantic_manifest_path(wh: Warehouse) -> Path:
    """The semantic manifest of ``wh``, written from the project's parse for it: the one in the
    target directory may have been written for another warehouse of the same engine, whose
    relations are named after its own database."""
    from dbt.parser.manifest import write_semantic_manifest

    try:
        manifest = dbt_runner.parsed_manifest(wh)
    except dbt_runner.DbtError as exc:
        raise SemanticLayerError(
            f"could not parse the dbt project for the semantic layer: {exc}"
        ) from exc
    target = dbt_runner.target_path(wh)
    target.mkdir(parents=True, exist_ok=True)
    write_semantic_manifest(manifest=manifest, target_path=str(target))
    return target / "semantic_manifest.json"


class MetricQuery:
    """A MetricFlow engine on ``wh``: load once, query each metric in turn."""

    def __init__(self, wh: Warehouse) -> None:
        self.wh = wh
        path = semantic_manifest_path(wh)
        if not path.exists():
            raise SemanticLayerError(
                f"no semantic manifest at {path}: run `customer-health build` (or dbt parse) first"
            )
        self._engine = self._load(path)

    def _load(self, manifest_path: Path) -> Any:
        from dbt.adapters.factory import get_adapter_by_type
        from dbt.config.runtime import load_profile
        from dbt_metricflow.cli.dbt_connectors.adapter_backed_client import (
            AdapterBackedSqlClient,
        )
        from dbt_metricflow.cli.dbt_connectors.dbt_config_accessor import dbtProjectMetadata
        from metricflow.engine.metricflow_engine import MetricFlowEngine
        from metricflow_semantics.model.dbt_manifest_parser import (
            parse_manifest_from_dbt_generated_manifest,
        )
        from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

        project = dbt_runner.project_dir()
        with dbt_runner.dbt_environment(self.wh, project):
            # as `mf` does: dbt debug sets up dbt's adapters, then the profile picks ours
            dbtProjectMetadata.load_from_paths(dbt_runner.profiles_dir(project), project)
            profile = load_profile(project_root=str(project), cli_vars={})
            adapter = get_adapter_by_type(profile.credentials.type)
        manifest = parse_manifest_from_dbt_generated_manifest(manifest_path.read_text())
        return MetricFlowEngine(
            semantic_manifest_lookup=SemanticManifestLookup(manifest),
            sql_client=AdapterBackedSqlClient(adapter),
        )

    def metric_names(self) -> list[str]:
        return sorted(metric.name for metric in self._engine.list_metrics())

    def query(
        self,
        metrics: Sequence[str],
        group_by: Sequence[str] = (),
        where: Sequence[str] = (),
        order_by: Sequence[str] = (),
    ) -> pd.DataFrame:
        """The metrics by the group-by items, as `mf query --metrics ... --group-by ...`."""
        from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

        request = MetricFlowQueryRequest.create(
            metric_names=list(metrics),
            group_by_names=list(group_by) or None,
            where_constraints=list(where) or None,
            order_by_names=list(order_by) or None,
        )
        with dbt_runner.dbt_environment(self.wh):
            result = self._engine.query(request)
        table = result.result_df
        if table is None:
            raise SemanticLayerError(f"MetricFlow returned no rows table for {list(metrics)}")
        return pd.DataFrame(list(table.rows), columns=list(table.column_names))

    def explain(self, metrics: Sequence[str], group_by: Sequence[str] = ()) -> str:
        """The SQL MetricFlow runs for the query."""
        from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

        request = MetricFlowQueryRequest.create(
            metric_names=list(metrics), group_by_names=list(group_by) or None
        )
        return self._engine.explain(request).sql_statement.sql
