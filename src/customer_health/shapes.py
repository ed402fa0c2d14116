"""Which shape each source family is read from: the raw contract, or a connector's tables
(docs/connectors.md).

dbt reads the shapes from its vars (``crm_shape``, ``support_shape``, ``billing_shape``,
``usage_shape``), whose defaults in dbt_project.yml read the ``CUSTOMER_HEALTH_<FAMILY>_SHAPE``
environment variables. The Python side (the source gate, ``doctor``, the run summary) resolves
them the same way: vars passed to the run, then the environment, then ``contract`` (not the vars
block of dbt_project.yml: dbt enables models before it reads it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from customer_health.generator.connectors import SHAPES, SOURCE_OF_FAMILY, Shapes

__all__ = ["SHAPES", "SOURCE_OF_FAMILY", "Shapes", "connector_tables", "current", "family_of"]

FAMILY_OF_SOURCE = {source: family for family, source in SOURCE_OF_FAMILY.items()}


def family_of(source: str) -> str:
    """The family (crm, support, billing, usage) of a contract source (crm, ..., product)."""
    return FAMILY_OF_SOURCE[source]


def _project_vars(project: Path | None) -> dict[str, Any]:
    import yaml

    from customer_health import dbt as dbt_runner

    path = (project or dbt_runner.project_dir()) / "dbt_project.yml"
    try:
        return (yaml.safe_load(path.read_text()) or {}).get("vars") or {}
    except OSError:
        return {}


def current(dbt_vars: Mapping[str, Any] | None = None, project: Path | None = None) -> Shapes:
    """The shapes a dbt run with ``dbt_vars`` reads."""
    chosen: dict[str, str] = {}
    for family in SHAPES:
        name = f"{family}_shape"
        value = (dbt_vars or {}).get(name) or os.environ.get(
            f"CUSTOMER_HEALTH_{family.upper()}_SHAPE"
        )
        chosen[family] = str(value or "contract").strip().lower()
    return Shapes(**chosen)


def connector_schema(
    connector: str, dbt_vars: Mapping[str, Any] | None = None, project: Path | None = None
) -> str:
    """The schema a connector lands in: its ``<connector>_schema`` var, else its name."""
    value = (dbt_vars or {}).get(f"{connector}_schema") or _project_vars(project).get(
        f"{connector}_schema"
    )
    return value if isinstance(value, str) and value and "{" not in value else connector


def connector_tables(connector: str, project: Path | None = None) -> list[str]:
    """The tables of a connector that its adapter's sources yml declares."""
    import yaml

    from customer_health import dbt as dbt_runner

    folder = (project or dbt_runner.project_dir()) / "models" / "staging" / connector
    tables: list[str] = []
    for path in sorted(folder.glob("_*__sources.yml")):
        for source in (yaml.safe_load(path.read_text()) or {}).get("sources") or []:
            tables.extend(str(t["name"]) for t in source.get("tables") or [])
    return tables
