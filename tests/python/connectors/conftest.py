"""Connector builds shared by the connector tests: each landing built once per session.

Two combinations cover the six connectors: A lands the CRM as Salesforce, support as Zendesk,
billing as Stripe and usage as Pendo; B lands the CRM and support as HubSpot, usage as Segment
and billing in the contract. Each is built with its contract equivalent on DuckDB (the parity
of the adapters) and once more on Postgres (the parity of the engines). Combination A's DuckDB
build is in the parent conftest: the score export reads it too.
"""

from __future__ import annotations

import pytest

from customer_health.generator import connectors
from customer_health.warehouse import Warehouse

from ..conftest import COMBO_A, pg_warehouse
from . import harness

COMBO_B = connectors.Shapes(crm="hubspot", support="hubspot", usage="segment")


@pytest.fixture(scope="session")
def combo_b(tmp_path_factory: pytest.TempPathFactory) -> harness.Pair:
    """HubSpot (CRM and support) + Segment, billing in the contract, on DuckDB."""
    return harness.shared_pair("combo_b", tmp_path_factory.mktemp("combo_b"), COMBO_B)


def _pg_build(cluster: object, name: str, shapes: connectors.Shapes) -> Warehouse:
    wh = pg_warehouse(cluster, name)  # type: ignore[arg-type]
    frames = harness.book_frames(**harness.PARITY_BOOK)
    # the same landing's data and unit tests run on DuckDB (combo_a, combo_b): here the marts
    # are compared
    harness.build_connector(wh, shapes, frames, tests=False)
    return wh


@pytest.fixture(scope="session")
def combo_a_pg(pg_cluster: object) -> Warehouse:
    """Combination A landed and built on Postgres."""
    return _pg_build(pg_cluster, "combo_a", COMBO_A)


@pytest.fixture(scope="session")
def combo_b_pg(pg_cluster: object) -> Warehouse:
    """Combination B landed and built on Postgres."""
    return _pg_build(pg_cluster, "combo_b", COMBO_B)
