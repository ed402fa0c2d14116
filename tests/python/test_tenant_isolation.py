"""Tenants are computed apart: one org's rows in the public marts do not depend on another
org's data. The same two-org demo book is built twice per engine, once whole and once with
every raw row of one org's accounts deleted; the other org's rows of the marts must be the
same in both. Peer percentiles, the book-wide tier fallback and priority_rank used to be
computed over every org, so a tenant's scores, tiers and ranks moved with the other tenant's
accounts (and gaps in its ranks revealed them). Calibration, whose seeds every tenant shares,
refuses several orgs unless asked to pool them; the backtest judges each org apart too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from customer_health import calibration, loader
from customer_health import dbt as dbt_runner
from customer_health.backtest.load import load_backtest
from customer_health.backtest.render import print_result
from customer_health.backtest.run import run_backtest
from customer_health.pgcluster import PgCluster
from customer_health.warehouse import Warehouse

from .conftest import copy_duckdb, duckdb_warehouse, pg_warehouse

ENGINES = [
    "duckdb",
    pytest.param("postgres", marks=pytest.mark.postgres),
]
BOOK = {"accounts": 80, "days": 200, "seed": 7, "orgs": 2}
KEPT, REMOVED = "org_1", "org_2"
RAW_SCHEMAS = ("raw_crm", "raw_product", "raw_support", "raw_billing")
# every tenant-facing mart compared, with the columns that identify a row
MARTS = {
    "mart_account_health": ["account_id"],
    "mart_account_health_history": ["account_id", "score_date"],
    "mart_account_health_factors": ["account_id", "score_date", "factor_name"],
    "mart_health_alerts": ["alert_id"],
    "mart_account_diagnosis": ["account_id"],
    "mart_diagnosis_disagreements": ["account_id"],
    "mart_account_expansion": ["account_id"],
    "mart_expansion_alerts": ["alert_id"],
}
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Pair:
    """The whole two-org book, and the same book without one org's accounts."""

    both: Warehouse
    alone: Warehouse
    deleted: dict[str, int]  # raw table -> rows deleted


def remove_org(wh: Warehouse, org: str) -> dict[str, int]:
    """Delete every raw row of the org's accounts, in every raw table with an account_id
    (product.features, the shared feature catalogue, has none). Returns rows deleted."""
    accounts = wh.query_df(
        f"select distinct account_id from raw_crm.accounts where org_id = '{org}'"
    )
    assert len(accounts), f"no account of {org} in the book"
    ids = ", ".join(f"'{a}'" for a in sorted(accounts["account_id"]))
    schemas = ", ".join(f"'{s}'" for s in RAW_SCHEMAS)
    tables = wh.query_df(
        "select table_schema, table_name from information_schema.columns "
        f"where column_name = 'account_id' and table_schema in ({schemas})"
    )
    deleted = {}
    for row in tables.itertuples(index=False):
        relation = f"{row.table_schema}.{row.table_name}"
        where = f"where account_id in ({ids})"
        deleted[relation] = int(
            wh.query_df(f"select count(*) as n from {relation} {where}")["n"][0]
        )
        wh.execute(f"delete from {relation} {where}")
    return deleted


# the pair compares rows: the data and unit tests run on duck_built and pg_built, not here
NO_TESTS = ["--exclude", "resource_type:test", "resource_type:unit_test"]


def build_pair(make: Callable[[str], Warehouse]) -> Pair:
    both = make("both")
    loader.generate_and_load(both, progress=False, **BOOK)
    dbt_runner.run(["build", "--full-refresh", *NO_TESTS], both, quiet=True)
    alone = make("alone")
    loader.generate_and_load(alone, progress=False, **BOOK)
    deleted = remove_org(alone, REMOVED)
    dbt_runner.run(["build", "--full-refresh", *NO_TESTS], alone, quiet=True)
    return Pair(both, alone, deleted)


@pytest.fixture(scope="module")
def duck_pair(tmp_path_factory: pytest.TempPathFactory) -> Pair:
    return build_pair(lambda name: duckdb_warehouse(tmp_path_factory.mktemp(name)))


@pytest.fixture(scope="module")
def pg_pair(pg_cluster: PgCluster) -> Pair:
    return build_pair(lambda name: pg_warehouse(pg_cluster, f"customer_health_tenant_{name}"))


@pytest.fixture(params=ENGINES)
def pair(request: pytest.FixtureRequest) -> Pair:
    return request.getfixturevalue(f"{'duck' if request.param == 'duckdb' else 'pg'}_pair")


def _plain(value: object) -> object:
    """One representation per value on both engines: Decimal -> float, NaN/NaT -> None."""
    if isinstance(value, Decimal):
        return float(value)
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    return value


def org_rows(wh: Warehouse, mart: str, org: str) -> pd.DataFrame:
    frame = wh.query_df(f"select * from marts.{mart} where org_id = '{org}'")
    frame = frame.map(_plain).astype(object)
    return frame.sort_values(MARTS[mart], kind="stable").reset_index(drop=True)


def differences(left: pd.DataFrame, right: pd.DataFrame) -> dict[str, int]:
    """Rows that differ, per column (numbers within TOLERANCE are equal); rows present on
    one side only are counted under '(rows)'."""
    if len(left) != len(right) or list(left.columns) != list(right.columns):
        return {"(rows)": abs(len(left) - len(right)) or -1}
    out = {}
    for column in left.columns:
        a, b = left[column], right[column]
        numeric = all(isinstance(v, int | float) or v is None for v in [*a, *b])
        numeric = numeric and not all(isinstance(v, bool) or v is None for v in [*a, *b])
        if numeric:
            fa, fb = a.astype(float), b.astype(float)
            same = (fa.isna() & fb.isna()) | (fa - fb).abs().le(TOLERANCE)
        else:
            same = (a.isna() & b.isna()) | (a == b)
        if not same.all():
            out[column] = int((~same).sum())
    return out


@pytest.mark.parametrize("mart", MARTS)
def test_an_orgs_rows_do_not_depend_on_another_orgs_data(pair: Pair, mart: str) -> None:
    assert all(pair.deleted.values()), f"some raw table kept the removed org: {pair.deleted}"
    removed = pair.alone.query_df(
        f"select count(*) as n from marts.{mart} where org_id <> '{KEPT}'"
    )
    assert removed["n"][0] == 0, f"{mart}: rows of another org survived the deletion"
    with_other = org_rows(pair.both, mart, KEPT)
    without = org_rows(pair.alone, mart, KEPT)
    assert len(with_other) > 0, f"{mart}: no row of {KEPT}: the test could not fail"
    assert len(org_rows(pair.both, mart, REMOVED)) > 0, f"{mart}: no row of {REMOVED}"
    found = differences(with_other, without)
    assert not found, (
        f"{mart}: {KEPT}'s rows change when {REMOVED}'s data is removed "
        f"(column: rows that differ, of {len(with_other)}): {found}"
    )


def test_priority_ranks_run_from_one_within_each_org(pair: Pair) -> None:
    """No gap in a tenant's ranks betrays another tenant's accounts."""
    ranks = pair.both.query_df(
        "select org_id, score_date, count(*) as accounts, min(priority_rank) as first, "
        "max(priority_rank) as last, count(distinct priority_rank) as ranks "
        "from marts.mart_account_health_history group by 1, 2"
    )
    assert set(ranks["org_id"]) == {KEPT, REMOVED}
    for row in ranks.itertuples(index=False):
        assert (row.first, row.last, row.ranks) == (1, row.accounts, row.accounts), row


def test_cross_tenant_benchmarks_pool_percentiles_but_never_ranks(
    duck_pair: Pair, tmp_path: Path
) -> None:
    """With the opt-in var the peer percentiles are taken over every org again (so the kept
    org's percentiles move when the other org is removed); priority_rank stays per org. The
    opt-in is the same SQL on every engine: checked on DuckDB."""
    opt_in = {"cross_tenant_benchmarks": True}
    pooled = {}
    for name, wh in (("both", duck_pair.both), ("alone", duck_pair.alone)):
        (tmp_path / name).mkdir()
        copy = copy_duckdb(wh, tmp_path / name)
        dbt_runner.run(
            ["run", "--select", "int_scoring__factor_scores+", "--full-refresh"],
            copy,
            dbt_vars=opt_in,
            quiet=True,
        )
        pooled[name] = org_rows(copy, "mart_account_health_history", KEPT)
        ranks = copy.query_df(
            "select org_id, score_date, count(*) as n, max(priority_rank) as last "
            "from marts.mart_account_health_history group by 1, 2"
        )
        assert (ranks["n"] == ranks["last"]).all(), f"{name}: priority_rank is not per org"
    found = differences(pooled["both"], pooled["alone"])
    assert "segment_percentile" in found, found


def test_calibration_refuses_to_pool_several_orgs_unless_asked(duck_pair: Pair) -> None:
    """The weights and the churn model are seeds shared by every tenant: fitting them on
    several tenants' renewals is refused unless pooling is asked for (--pool-orgs)."""
    book = calibration.load_book(duck_pair.both)
    assert book.orgs == [KEPT, REMOVED]
    refused = calibration.calibrate_book(book)
    assert refused.result.status == "refused"
    assert refused.result.decision["orgs"] == [KEPT, REMOVED]
    assert "--pool-orgs" in refused.result.message
    assert refused.probability_model is None and refused.segment_weights is None
    pooled = calibration.calibrate_book(book, pool_orgs=True).result
    assert "orgs" not in pooled.decision  # past the tenant check (this small book is then thin)
    assert any("Pooled the renewals of 2 organisations" in note for note in pooled.notes)
    assert calibration.load_book(duck_pair.alone).orgs == [KEPT]


def test_the_backtest_judges_each_org_on_its_own_renewals(duck_pair: Pair) -> None:
    data = load_backtest(duck_pair.both)
    result = run_backtest(duck_pair.both, replicates=20, data=data)
    orgs = result.headline["orgs"]
    assert list(orgs) == [KEPT, REMOVED]
    at = data.rows[data.rows["horizon_days"] == result.headline_horizon]
    for org, measured in orgs.items():
        assert measured["renewals"] == (at["org_id"] == org).sum()
    assert any("belong to 2 organisations" in note for note in result.notes)
    console = Console(record=True, width=140)
    print_result(result, console)
    assert "Per organisation at R-" in console.export_text()
    alone = run_backtest(duck_pair.alone, replicates=20)
    assert "orgs" not in alone.headline, "one org: no per-organisation table"
