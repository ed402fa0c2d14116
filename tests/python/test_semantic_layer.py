"""The semantic layer: every metric, queried through MetricFlow on the demo book, equals a plain
SQL query over the marts; and `mf query` answers from a shell as the README says."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from customer_health import dbt as dbt_runner
from customer_health.semantic import MetricQuery, semantic_manifest_path
from customer_health.warehouse import Warehouse

from .conftest import copy_duckdb

AT_RISK = "final_tier in ('at_risk', 'critical')"
# the backtest's headline horizon, which the churn metrics are judged at
CHURN_HORIZON = 60


@pytest.fixture(scope="module")
def metrics(duck_built: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> MetricQuery:
    # the target directory last held the semantic manifest of another warehouse of the same
    # engine, whose relations are named after its own database: the layer must not use it
    other = replace(duck_built, duckdb_path=tmp_path_factory.mktemp("other") / "other.duckdb")
    assert '"other"' in semantic_manifest_path(other).read_text()
    return MetricQuery(duck_built)


def sql(wh: Warehouse, query: str) -> pd.DataFrame:
    return wh.query_df(query)


def assert_same(
    layer: pd.DataFrame, marts: pd.DataFrame, keys: list[str], values: list[str]
) -> None:
    """The same rows, and the same values to 1e-9 relative (the marts' own, unrounded)."""
    assert not marts.empty, "the plain SQL found no rows: the check would prove nothing"
    layer = layer.rename(columns=str.lower)
    missing = [c for c in keys + values if c not in layer.columns]
    assert not missing, f"MetricFlow returned {list(layer.columns)}, missing {missing}"
    if keys:
        for key in keys:  # MetricFlow returns dates, DuckDB timestamps or dates
            if "metric_time" in key:
                layer[key] = pd.to_datetime(layer[key])
                marts[key] = pd.to_datetime(marts[key])
        layer = layer.sort_values(keys).reset_index(drop=True)
        marts = marts.sort_values(keys).reset_index(drop=True)
        assert layer[keys].astype(str).values.tolist() == marts[keys].astype(str).values.tolist()
    assert len(layer) == len(marts)
    for column in values:
        got = layer[column].astype(float).tolist()
        want = marts[column].astype(float).tolist()
        assert got == pytest.approx(want, rel=1e-9, abs=1e-9), column


def check_health_index(metrics: MetricQuery, wh: Warehouse) -> None:
    overall = metrics.query(["health_index"])
    marts = sql(wh, "select avg(health_score) as health_index from marts.mart_account_health")
    assert_same(overall, marts, [], ["health_index"])
    # the portfolio mart's whole-book row says the same, to its rounding
    book = sql(
        wh,
        "select avg_health_score from marts.mart_portfolio_health where dimension_name = 'all'",
    )
    assert float(overall["health_index"].iloc[0]) == pytest.approx(
        float(book["avg_health_score"].iloc[0]), abs=0.01
    )
    by_segment = metrics.query(["health_index"], ["account__segment"])
    marts = sql(
        wh,
        "select segment as account__segment, avg(health_score) as health_index "
        "from marts.mart_account_health group by 1",
    )
    assert_same(by_segment, marts, ["account__segment"], ["health_index"])


def check_accounts(metrics: MetricQuery, wh: Warehouse) -> None:
    layer = metrics.query(["accounts"], ["account__final_tier", "account__risk_level"])
    marts = sql(
        wh,
        "select final_tier as account__final_tier, risk_level as account__risk_level, "
        "count(*) as accounts from marts.mart_account_health group by 1, 2",
    )
    assert_same(layer, marts, ["account__final_tier", "account__risk_level"], ["accounts"])
    assert set(marts["account__final_tier"]) >= {"healthy", "at_risk", "critical"}


def check_accounts_at_risk(metrics: MetricQuery, wh: Warehouse) -> None:
    layer = metrics.query(["accounts_at_risk"], ["account__health_tier"])
    marts = sql(
        wh,
        f"select health_tier as account__health_tier, "
        f"sum(case when {AT_RISK} then 1 else 0 end) as accounts_at_risk "
        f"from marts.mart_account_health group by 1",
    )
    assert_same(layer, marts, ["account__health_tier"], ["accounts_at_risk"])


def check_share_at_risk(metrics: MetricQuery, wh: Warehouse) -> None:
    layer = metrics.query(["share_at_risk"], ["account__segment"])
    marts = sql(
        wh,
        f"select segment as account__segment, "
        f"1.0 * sum(case when {AT_RISK} then 1 else 0 end) / count(*) as share_at_risk "
        f"from marts.mart_account_health group by 1",
    )
    assert_same(layer, marts, ["account__segment"], ["share_at_risk"])
    portfolio = sql(
        wh,
        "select dimension_value as account__segment, share_at_risk "
        "from marts.mart_portfolio_health where dimension_name = 'segment'",
    )
    merged = layer.merge(portfolio, on="account__segment", suffixes=("", "_mart"))
    assert len(merged) == len(portfolio)
    for row in merged.itertuples():
        assert row.share_at_risk == pytest.approx(row.share_at_risk_mart, abs=0.01)


def check_arr(metrics: MetricQuery, wh: Warehouse) -> None:
    layer = metrics.query(["arr"], ["account__region"])
    marts = sql(
        wh,
        "select region as account__region, sum(arr_reporting) as arr "
        "from marts.mart_account_health group by 1",
    )
    assert_same(layer, marts, ["account__region"], ["arr"])


def check_arr_at_risk(metrics: MetricQuery, wh: Warehouse) -> None:
    layer = metrics.query(["arr_at_risk"])
    marts = sql(
        wh,
        f"select sum(case when {AT_RISK} then arr_reporting else 0 end) as arr_at_risk "
        f"from marts.mart_account_health",
    )
    assert_same(layer, marts, [], ["arr_at_risk"])
    assert float(marts["arr_at_risk"].iloc[0]) > 0
    book = sql(
        wh, "select arr_at_risk from marts.mart_portfolio_health where dimension_name = 'all'"
    )
    assert float(layer["arr_at_risk"].iloc[0]) == pytest.approx(
        float(book["arr_at_risk"].iloc[0]), abs=0.01
    )


def check_alerts_fired(metrics: MetricQuery, wh: Warehouse) -> None:
    layer = metrics.query(["alerts_fired"], ["alert__alert_type", "metric_time__month"])
    marts = sql(
        wh,
        "select alert_type as alert__alert_type, "
        "date_trunc('month', alert_date) as metric_time__month, count(*) as alerts_fired "
        "from marts.mart_health_alerts group by 1, 2",
    )
    assert_same(layer, marts, ["alert__alert_type", "metric_time__month"], ["alerts_fired"])
    # through the account entity: alerts by the account's current tier
    by_tier = metrics.query(["alerts_fired"], ["account__final_tier"])
    marts = sql(
        wh,
        "select accounts.final_tier as account__final_tier, count(*) as alerts_fired "
        "from marts.mart_health_alerts as alerts "
        "left join marts.mart_account_health as accounts "
        "on alerts.account_id = accounts.account_id group by 1",
    )
    assert_same(by_tier, marts, ["account__final_tier"], ["alerts_fired"])


def backtest_sql(wh: Warehouse, measure: str, name: str) -> pd.DataFrame:
    return sql(
        wh,
        f"select health_tier as renewal_backtest__health_tier, {measure} as {name} "
        f"from calibration.rpt_renewal_backtest "
        f"where horizon_days = {CHURN_HORIZON} and has_score group by 1",
    )


def check_renewals_scored(metrics: MetricQuery, wh: Warehouse) -> None:
    layer = metrics.query(["renewals_scored"], ["renewal_backtest__health_tier"])
    marts = backtest_sql(wh, "count(*)", "renewals_scored")
    assert_same(layer, marts, ["renewal_backtest__health_tier"], ["renewals_scored"])


def check_renewals_lost(metrics: MetricQuery, wh: Warehouse) -> None:
    layer = metrics.query(["renewals_lost"], ["renewal_backtest__health_tier"])
    marts = backtest_sql(wh, "sum(case when is_lost then 1 else 0 end)", "renewals_lost")
    assert_same(layer, marts, ["renewal_backtest__health_tier"], ["renewals_lost"])
    assert marts["renewals_lost"].sum() > 0, "the book has no lost renewal to rate"


def check_churn_rate(metrics: MetricQuery, wh: Warehouse) -> None:
    layer = metrics.query(["churn_rate"], ["renewal_backtest__health_tier"])
    marts = backtest_sql(
        wh, "1.0 * sum(case when is_lost then 1 else 0 end) / count(*)", "churn_rate"
    )
    assert_same(layer, marts, ["renewal_backtest__health_tier"], ["churn_rate"])
    overall = metrics.query(["churn_rate"])
    marts = sql(
        wh,
        f"select avg(case when is_lost then 1.0 else 0.0 end) as churn_rate "
        f"from calibration.rpt_renewal_backtest where horizon_days = {CHURN_HORIZON} "
        f"and has_score",
    )
    assert_same(overall, marts, [], ["churn_rate"])


CHECKS: dict[str, Callable[[MetricQuery, Warehouse], None]] = {
    "health_index": check_health_index,
    "accounts": check_accounts,
    "accounts_at_risk": check_accounts_at_risk,
    "share_at_risk": check_share_at_risk,
    "arr": check_arr,
    "arr_at_risk": check_arr_at_risk,
    "alerts_fired": check_alerts_fired,
    "renewals_scored": check_renewals_scored,
    "renewals_lost": check_renewals_lost,
    "churn_rate": check_churn_rate,
}


def test_every_metric_has_a_check(metrics: MetricQuery) -> None:
    assert metrics.metric_names() == sorted(CHECKS)


@pytest.mark.parametrize("metric", sorted(CHECKS))
def test_metric_equals_plain_sql_over_the_marts(
    metric: str, metrics: MetricQuery, duck_built: Warehouse
) -> None:
    CHECKS[metric](metrics, duck_built)


def mf_project(tmp_path: Path, wh: Warehouse) -> Path:
    """The project as `mf` needs it: the semantic manifest at target/semantic_manifest.json."""
    project = tmp_path / "project"
    project.mkdir()
    for entry in dbt_runner.project_dir().iterdir():
        if entry.name not in ("target", "logs", ".git", "data", "reports", "artifacts"):
            (project / entry.name).symlink_to(entry)
    (project / "target").mkdir()
    shutil.copyfile(semantic_manifest_path(wh), project / "target" / "semantic_manifest.json")
    return project


def test_mf_query_from_a_shell(duck_built: Warehouse, tmp_path: Path) -> None:
    """`mf query` as the README runs it, on a copy of the warehouse (DuckDB admits one process
    at a time)."""
    copy_dir = tmp_path / "copy"
    copy_dir.mkdir()
    wh = copy_duckdb(duck_built, copy_dir)
    project = mf_project(tmp_path, duck_built)
    mf = Path(sys.executable).parent / "mf"
    assert mf.exists(), "dbt-metricflow is not installed: pip install -r requirements.lock"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DBT_")},
        **wh.env(),
        "DBT_PROFILES_DIR": str(dbt_runner.profiles_dir()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # `mf` asks PyPI for a newer version on every run: send that to a closed loopback port
        # so the test reaches nothing outside the machine (the check fails quietly)
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
    }
    run = subprocess.run(
        [
            str(mf),
            "query",
            "--metrics",
            "accounts,share_at_risk",
            "--group-by",
            "account__final_tier",
            "--csv",
            str(tmp_path / "out.csv"),
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    layer = pd.read_csv(tmp_path / "out.csv")
    marts = sql(
        duck_built,
        f"select final_tier as account__final_tier, count(*) as accounts, "
        f"1.0 * sum(case when {AT_RISK} then 1 else 0 end) / count(*) as share_at_risk "
        f"from marts.mart_account_health group by 1",
    )
    assert_same(layer, marts, ["account__final_tier"], ["accounts", "share_at_risk"])
