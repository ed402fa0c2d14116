"""Orchestration with Dagster: ``dagster dev -m customer_health.orchestration``.

The same pipeline as `customer-health run` (source gate, dbt build, mart check), as Dagster
assets and checks with a daily schedule; see :mod:`.definitions`. Needs the ``dagster`` and
``dagster-dbt`` packages (in requirements.lock).
"""

from customer_health.orchestration.definitions import build_definitions, defs

__all__ = ["build_definitions", "defs"]
