"""The renewal backtest: its metrics on hand-made frames with known answers, then end to end on
the demo book (the function, the CLI, the report section)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy.stats import binomtest
from sklearn.metrics import average_precision_score, roc_auc_score

from customer_health import backtest, report
from customer_health import dbt as dbt_runner
from customer_health.backtest import alerts, baseline, metrics, oracle
from customer_health.backtest.load import BacktestData, OracleFileError, load_oracle
from customer_health.cli import main
from customer_health.warehouse import Warehouse

from .conftest import copy_duckdb, duckdb_warehouse

HORIZONS = [90, 60, 30, 7]
NOWHERE = Warehouse(engine="duckdb", duckdb_path=Path("not-used.duckdb"))


# ----------------------------------------------------------------------------- ranking


@pytest.mark.parametrize("ties", [False, True])
def test_auc_by_ranks_equals_sklearn(ties: bool) -> None:
    rng = np.random.default_rng(1)
    for n in (2, 5, 17, 300):
        y = rng.integers(0, 2, n)
        y[0], y[1] = 0, 1
        risk = rng.integers(0, 4, n).astype(float) if ties else rng.normal(size=n)
        assert metrics.rank_auc(y, risk) == pytest.approx(roc_auc_score(y, risk), abs=1e-12)
        _, ap = metrics.auc_and_ap(y, risk)
        assert ap[0] == pytest.approx(average_precision_score(y, risk), abs=1e-12)


def test_auc_by_ranks_known_values_and_one_class() -> None:
    assert metrics.rank_auc([0, 0, 1, 1], [1, 2, 3, 4]) == 1.0
    assert metrics.rank_auc([0, 0, 1, 1], [4, 3, 2, 1]) == 0.0
    assert metrics.rank_auc([0, 1, 0, 1], [1, 1, 1, 1]) == 0.5  # all tied: a coin
    assert metrics.rank_auc([1, 1, 1], [1, 2, 3]) is None
    # weighted rows (bootstrap replicates): the same as repeating renewals, or leaving them out
    y, risk = np.array([0, 1, 1, 0]), np.array([0.0, 2.0, 1.0, 1.0])
    auc, ap = metrics.auc_and_ap(y, risk, np.array([[1, 1, 1, 1], [0, 1, 1, 0], [3, 1, 0, 2]]))
    repeated = np.repeat(np.arange(4), [3, 1, 0, 2])
    assert auc[0] == roc_auc_score(y, risk) and ap[0] == average_precision_score(y, risk)
    assert np.isnan(auc[1]) and np.isnan(ap[1])  # lost renewals only
    assert auc[2] == pytest.approx(roc_auc_score(y[repeated], risk[repeated]))
    assert ap[2] == pytest.approx(average_precision_score(y[repeated], risk[repeated]))


def test_wilson_interval_known_values() -> None:
    low, high = metrics.wilson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(0.27753, abs=1e-5)
    low, high = metrics.wilson_interval(5, 10)
    assert (low, high) == (pytest.approx(0.23659, abs=1e-5), pytest.approx(0.76341, abs=1e-5))
    low, high = metrics.wilson_interval(81, 263)
    assert (low, high) == (pytest.approx(0.25529, abs=1e-5), pytest.approx(0.36621, abs=1e-5))
    for lost, total in ((81, 263), (10, 10), (1, 3)):  # scipy's own Wilson interval
        reference = binomtest(lost, total).proportion_ci(method="wilson")
        assert metrics.wilson_interval(lost, total) == (
            pytest.approx(reference.low),
            pytest.approx(reference.high),
        )
    assert metrics.wilson_interval(0, 0) is None


def _noisy_book(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.2).astype(float)
    return y, y + rng.normal(scale=1.0, size=n)


def test_bootstrap_interval_contains_the_estimate_and_narrows_with_more_data() -> None:
    small = metrics.ranking_metrics(*_noisy_book(150, 3), replicates=600)
    large = metrics.ranking_metrics(*_noisy_book(4000, 3), replicates=600)
    for m in (small, large):
        for key in ("roc_auc", "pr_auc"):
            low, high = m[f"{key}_ci"]
            assert low <= m[key] <= high
    width = {k: m["roc_auc_ci"][1] - m["roc_auc_ci"][0] for k, m in (("s", small), ("l", large))}
    assert width["l"] < width["s"] / 2
    assert (
        large["pr_auc_ci"][1] - large["pr_auc_ci"][0]
        < small["pr_auc_ci"][1] - small["pr_auc_ci"][0]
    )
    # a fixed seed: the same intervals twice
    assert metrics.ranking_metrics(*_noisy_book(150, 3), replicates=600) == small


def test_ranking_metrics_with_one_class_has_no_auc() -> None:
    m = metrics.ranking_metrics(np.zeros(20), np.arange(20.0))
    assert m["roc_auc"] is None and m["roc_auc_ci"] is None and m["ranked_lost"] == 0


def test_worst_decile_lift() -> None:
    y = np.zeros(100)
    y[:10] = 1  # the ten lost renewals are the ten riskiest
    risk = -np.arange(100.0)
    assert metrics.worst_decile_lift(y, risk) == pytest.approx(10.0)
    assert metrics.worst_decile_lift(y, -risk) == 0.0
    assert metrics.worst_decile_lift(np.zeros(10), risk[:10]) is None


def _tier_rows(counts: dict[str, tuple[int, int]]) -> pd.DataFrame:
    rows = []
    for tier, (lost, total) in counts.items():
        rows += [{"health_tier": tier, "is_lost": int(i < lost)} for i in range(total)]
    return pd.DataFrame(rows)


def test_churn_by_tier_and_order() -> None:
    table = metrics.churn_by_tier(
        _tier_rows({"critical": (30, 50), "at_risk": (20, 100), "healthy": (5, 200)})
    )
    assert table["churn_rate"].tolist() == [0.6, 0.2, 0.025]
    low, high = metrics.wilson_interval(20, 100)
    assert table.loc[1, "ci_low"] == low and table.loc[1, "ci_high"] == high
    order = metrics.tier_order(table)
    assert order["ordered"] is True and order["intervals_overlap"] is False

    close = metrics.tier_order(
        metrics.churn_by_tier(
            _tier_rows({"critical": (3, 10), "at_risk": (2, 10), "healthy": (1, 10)})
        )
    )
    assert close["ordered"] is True and close["intervals_overlap"] is True

    upside_down = metrics.tier_order(
        metrics.churn_by_tier(
            _tier_rows({"critical": (1, 50), "at_risk": (20, 100), "healthy": (5, 200)})
        )
    )
    assert upside_down["ordered"] is False
    assert upside_down["pairs"][0] == {
        "pair": "critical > at_risk",
        "ordered": False,
        "intervals_overlap": False,
    }
    empty = metrics.tier_order(
        metrics.churn_by_tier(_tier_rows({"at_risk": (2, 10), "healthy": (1, 10)}))
    )
    assert empty["ordered"] is None


def test_reliability_table() -> None:
    prob = np.repeat(np.linspace(0.05, 0.95, 10), 20)
    y = np.concatenate(
        [np.r_[np.ones(int(p * 20)), np.zeros(20 - int(p * 20))] for p in prob[::20]]
    )
    table = metrics.reliability_table(y, prob)
    assert table["bin"].tolist() == list(range(1, 11))
    assert table["renewals"].sum() == 200 and (table["renewals"] == 20).all()
    assert table["predicted"].tolist() == pytest.approx(np.linspace(0.05, 0.95, 10).tolist())
    assert table["churn_rate"].tolist() == pytest.approx([int(p * 20) / 20 for p in prob[::20]])


# ----------------------------------------------------------------------------- synthetic book


def synthetic_book(n: int = 800, seed: int = 11, probability: bool = False) -> BacktestData:
    """Renewals over two years at every horizon; factor ``decisive`` decides the outcome, the
    health score is noise, ``noise_*`` factors are noise with gaps."""
    rng = np.random.default_rng(seed)
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 730, n)), "D")
    decisive = rng.normal(size=n)
    lost = (decisive + rng.normal(scale=0.3, size=n) > 1.0).astype(int)
    renewals = pd.DataFrame(
        {
            "renewal_id": [f"R{i:04d}" for i in range(n)],
            "account_id": [f"A{i % (n // 2):04d}" for i in range(n)],  # two renewals each
            "segment": rng.choice(["smb", "enterprise"], n),
            "recorded_by": "renewal_opportunity",
            "renewal_outcome": np.where(lost == 1, "lost", "kept"),
            "is_lost": lost,
            "renewal_date": dates,
            "health_score": rng.uniform(0, 100, n),
        }
    )
    renewals["health_tier"] = pd.cut(
        renewals["health_score"], [-1, 40, 70, 101], labels=["critical", "at_risk", "healthy"]
    ).astype(str)
    if probability:
        renewals["churn_probability"] = 1 / (1 + np.exp(-3 * (decisive - 1)))
    rows = pd.concat([renewals.assign(horizon_days=h) for h in HORIZONS], ignore_index=True)
    rows["has_score"] = 1
    rows["score_date"] = rows["renewal_date"] - pd.to_timedelta(rows["horizon_days"], "D")
    factors = []
    for name, values in (
        ("decisive", decisive),
        ("noise_a", np.where(rng.random(n) < 0.3, np.nan, rng.normal(size=n))),
        ("noise_b", rng.normal(size=n)),
    ):
        for h in HORIZONS:
            factors.append(
                pd.DataFrame(
                    {"renewal_id": renewals["renewal_id"], "horizon_days": h, "factor_name": name}
                ).assign(raw_value=values)
            )
    return BacktestData(
        rows=rows, alerts=alert_frame([]), factors=pd.concat(factors, ignore_index=True)
    )


def test_split_is_out_of_time_with_a_gap_and_no_shared_account() -> None:
    rows = synthetic_book().rows
    at = rows[rows["horizon_days"] == 60]
    train, test, info = baseline.split_out_of_time(at, 60)
    split = pd.Timestamp(info["split_date"])
    assert test["renewal_date"].min() == split
    assert train["renewal_date"].max() < split - pd.Timedelta(days=60)
    assert not set(train["account_id"]) & set(test["account_id"])
    assert info["train_dropped_shared_accounts"] > 0
    assert len(test) == pytest.approx(0.4 * len(at), abs=5)


def test_baseline_finds_the_decisive_factor() -> None:
    data = synthetic_book()
    found = baseline.baseline_comparison(data.rows, data.factors, 60, replicates=300)
    assert found["status"] == "ok"
    assert found["baseline_roc_auc"] > 0.9
    assert found["score_roc_auc"] < 0.7  # the health score here is noise
    assert found["difference_ci"][1] < 0  # the baseline is surely better on these renewals
    assert next(iter(found["coefficients"])) == "decisive"
    # both AUCs on the same test renewals
    _, test, _ = baseline.split_out_of_time(data.rows[data.rows["horizon_days"] == 60], 60)
    assert found["split"]["test_renewals"] == len(test)
    assert found["score_roc_auc"] == pytest.approx(
        roc_auc_score(test["is_lost"], -test["health_score"])
    )


def test_baseline_refuses_a_side_without_both_outcomes() -> None:
    data = synthetic_book(n=60)
    rows = data.rows.assign(is_lost=0)
    rows.loc[rows.index[:3], "is_lost"] = 1
    found = baseline.baseline_comparison(rows, data.factors, 60, replicates=50)
    assert found["status"] == "insufficient" and "at least 5 lost" in found["reason"]


def test_churn_probability_ranks_when_present() -> None:
    data = synthetic_book(probability=True)
    at = data.rows[data.rows["horizon_days"] == 60]
    assert metrics.risk_column(at) == "churn_probability"
    found = metrics.horizon_metrics(at, replicates=200)
    assert found["all"]["roc_auc"] > 0.9  # the probability, not the noise score, ranks
    table = found["reliability"]
    assert len(table) == 10 and table["renewals"].sum() == len(at)
    assert table["predicted"].is_monotonic_increasing
    assert "reliability" not in metrics.horizon_metrics(
        synthetic_book().rows.query("horizon_days == 60"), replicates=50
    )


def test_run_backtest_on_a_synthetic_book_is_json_safe() -> None:
    result = backtest.run_backtest(NOWHERE, 60, replicates=100, data=synthetic_book())
    text = json.dumps(result.to_dict(), allow_nan=False)
    out = json.loads(text)
    assert out["status"] == "ok" and out["horizons"] == HORIZONS
    assert set(out["by_horizon"]) == {"90", "60", "30", "7"}
    assert out["by_horizon"]["60"]["churn_by_tier"][0]["tier"] == "critical"
    assert out["renewals"]["renewals"] == 800 and out["renewals"]["first_renewal"] == "2024-01-01"


@pytest.mark.parametrize(
    ("outcome", "message"),
    [(1, "No kept renewal recorded"), (0, "No lost renewal recorded")],
)
def test_one_outcome_only_is_refused(outcome: int, message: str) -> None:
    data = synthetic_book(n=40)
    rows = data.rows.assign(is_lost=outcome)
    one_class = BacktestData(rows=rows, alerts=data.alerts, factors=data.factors)
    with pytest.raises(backtest.OneClassOutcomes, match=message):
        backtest.run_backtest(NOWHERE, 60, replicates=10, data=one_class)


def test_unknown_headline_horizon_is_an_error() -> None:
    with pytest.raises(ValueError, match="horizon 45 is not in the backtest"):
        backtest.run_backtest(NOWHERE, 45, replicates=10, data=synthetic_book(n=40))


# ----------------------------------------------------------------------------- oracle


def test_oracle_share_on_the_same_renewals(tmp_path: Path) -> None:
    data = synthetic_book()
    renewals = data.rows.drop_duplicates("renewal_id")
    csv = tmp_path / "oracle.csv"
    pd.DataFrame(
        {
            "account_id": renewals["account_id"],
            "renewal_date": renewals["renewal_date"].dt.strftime("%Y-%m-%d"),
            "is_lost": renewals["is_lost"].map({1: "true", 0: "false"}),
            "oracle_prob_r60": renewals["is_lost"] * 0.8 + 0.1,  # knows every outcome
        }
    ).iloc[:-10].to_csv(csv, index=False)
    frame = load_oracle(csv, HORIZONS)
    found = oracle.oracle_comparison(data.rows, frame, 60, replicates=100)
    assert found["oracle_roc_auc"] == 1.0
    assert found["unmatched_scored_renewals"] == 10 and found["outcome_mismatches"] == 0
    assert found["share_of_oracle"] == pytest.approx(found["score_roc_auc"])
    assert oracle.oracle_comparison(data.rows, frame, 30) is None  # no r30 column


def test_oracle_file_without_its_columns_is_refused(tmp_path: Path) -> None:
    csv = tmp_path / "oracle.csv"
    csv.write_text("account_id,renewal_date,oracle_prob_r60\nA1,2025-01-01,0.2\n")
    with pytest.raises(OracleFileError, match="lacks is_lost"):
        load_oracle(csv, HORIZONS)
    with pytest.raises(OracleFileError, match="could not read"):
        load_oracle(tmp_path / "missing.csv", HORIZONS)


# ----------------------------------------------------------------------------- alerts


def alert_frame(alerts_: list[tuple[str, str, int, int]]) -> pd.DataFrame:
    """(alert_id, renewal_id, rule, days before renewal) -> an rpt_renewal_backtest_alerts frame."""
    frame = pd.DataFrame(
        alerts_, columns=["alert_id", "renewal_id", "alert_type", "days_before_renewal"]
    )
    frame["severity"] = "high"
    return frame


def test_alert_stats_on_a_hand_made_book() -> None:
    renewals = pd.DataFrame(
        {
            "renewal_id": ["r1", "r2", "r3", "r4"],
            "account_id": ["a1", "a2", "a3", "a4"],
            "is_lost": [1, 1, 0, 0],
            "renewal_date": pd.to_datetime(["2025-12-31"] * 4),
        }
    )
    rows = pd.concat([renewals.assign(horizon_days=h) for h in (30, 7)], ignore_index=True)
    rows["has_score"] = 1
    rows["score_date"] = pd.Timestamp("2025-01-01")
    fired = alert_frame(
        [
            ("x1", "r1", "A", 40),
            ("x2", "r1", "A", 12),
            ("x3", "r2", "A", 10),
            ("x4", "r3", "A", 50),
            ("x5", "r3", "B", 35),
            ("x6", "r4", "B", 35),
            ("x7", "r1", "C", 3),
        ]
    )
    table = alerts.alert_stats(rows, fired, [30, 7]).set_index(["rule", "days_ahead"])
    a30, a7 = table.loc[("A", 30)], table.loc[("A", 7)]
    assert (a30["recall"], a30["false_alarm_rate"], a30["ratio"]) == (0.5, 0.5, 1.0)
    assert a30["uninformative"] is True and a30["median_lead_days"] == 40
    assert (a7["recall"], a7["false_alarm_rate"], a7["ratio"]) == (1.0, 0.5, 2.0)
    assert a7["uninformative"] is False and a7["median_lead_days"] == 25  # first alerts 40, 10
    b30 = table.loc[("B", 30)]
    assert (b30["recall"], b30["false_alarm_rate"], b30["uninformative"]) == (0.0, 1.0, True)
    c30 = table.loc[("C", 30)]
    assert (c30["recall"], c30["false_alarm_rate"]) == (0.0, 0.0)
    assert c30["uninformative"] is None and pd.isna(c30["median_lead_days"])
    every = table.loc[("all", 30)]
    assert (every["recall"], every["false_alarm_rate"]) == (0.5, 1.0)
    assert every["lost_alerted"] == 1 and every["kept_alerted"] == 2
    months = 364 / alerts.DAYS_PER_MONTH
    assert a30["alerts"] == 4 and every["alerts"] == 7
    assert a30["alerts_per_account_month"] == pytest.approx(4 / (4 * months))
    assert list(table.index.get_level_values(0).unique()) == ["A", "B", "C", "all"]


# ----------------------------------------------------------------------------- the demo book


@pytest.fixture(scope="module")
def demo_result(duck_built: Warehouse) -> backtest.BacktestResult:
    return backtest.run_backtest(duck_built)


def test_backtest_on_the_demo_book(
    duck_built: Warehouse, demo_result: backtest.BacktestResult
) -> None:
    out = json.loads(json.dumps(demo_result.to_dict(), allow_nan=False))
    assert out["status"] == "ok" and out["ranking"] == "health_score"
    assert out["horizons"] == HORIZONS and out["headline_horizon"] == 60
    distinct = duck_built.query_df(
        "select count(distinct renewal_id) as n, "
        "count(distinct case when is_lost then renewal_id end) as lost "
        "from calibration.rpt_renewal_backtest"
    )
    assert out["renewals"]["renewals"] == int(distinct.loc[0, "n"])
    assert out["renewals"]["lost"] == int(distinct.loc[0, "lost"])
    for h in map(str, HORIZONS):
        m = out["by_horizon"][h]["all"]
        assert m["renewals"] == out["renewals"]["renewals"]
        assert m["scored"] + m["unscored"] == m["renewals"] and m["scored"] == m["ranked"]
        assert m["roc_auc_ci"][0] <= m["roc_auc"] <= m["roc_auc_ci"][1]
        assert m["pr_auc_ci"][0] <= m["pr_auc"] <= m["pr_auc_ci"][1]
        assert set(out["by_horizon"][h]["segments"]) >= {"smb", "mid_market", "enterprise"}
        assert out["baseline"][h]["status"] in ("ok", "insufficient")
    head = out["by_horizon"]["60"]
    assert head["all"]["roc_auc"] > 0.6
    assert head["all"]["worst_decile_lift"] > 1.5
    assert head["tier_order"]["ordered"] is True
    assert [t["tier"] for t in head["churn_by_tier"]] == ["critical", "at_risk", "healthy"]
    versus = out["baseline"]["60"]
    assert versus["status"] == "ok", versus
    assert versus["difference_ci"][0] <= versus["difference"] <= versus["difference_ci"][1]
    assert out["oracle"] is None


def test_every_alert_rule_has_its_rates(
    duck_built: Warehouse, demo_result: backtest.BacktestResult
) -> None:
    rules = set(
        duck_built.query_df(
            "select distinct alert_type from calibration.rpt_renewal_backtest_alerts"
        )["alert_type"]
    )
    assert rules, "the demo book fired no alert before a renewal"
    table = demo_result.alerts
    assert set(table["rule"]) == rules | {alerts.ALL_RULES}
    for (rule, horizon), row in table.set_index(["rule", "days_ahead"]).iterrows():
        assert 0 <= row["recall"] <= 1 and 0 <= row["false_alarm_rate"] <= 1, (rule, horizon)
        assert row["alerts_per_account_month"] > 0
    every = table[table["rule"] == alerts.ALL_RULES].set_index("days_ahead")
    per_rule = table[table["rule"] != alerts.ALL_RULES].groupby("days_ahead")["recall"].max()
    assert (
        every["recall"] >= per_rule.reindex(every.index)
    ).all()  # any rule catches at least what each one does


def _oracle_csv(wh: Warehouse, path: Path) -> Path:
    renewals = wh.query_df(
        "select distinct account_id, renewal_date, is_lost from calibration.rpt_renewal_backtest"
    )
    rng = np.random.default_rng(5)
    for h in HORIZONS:
        lost = renewals["is_lost"].astype(float)
        renewals[f"oracle_prob_r{h}"] = (0.7 * lost + 0.3 * rng.random(len(renewals))).round(4)
    renewals.to_csv(path, index=False)
    return path


def _invoke(wh: Warehouse, monkeypatch: pytest.MonkeyPatch, *args: str) -> object:
    monkeypatch.setenv("CUSTOMER_HEALTH_DUCKDB_PATH", str(wh.duckdb_path))
    return CliRunner().invoke(main, ["backtest", *args])


def test_cli_backtest_prints_the_summary_and_writes_json(
    duck_built: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUSTOMER_HEALTH_PROJECT_DIR", str(tmp_path))
    run = _invoke(duck_built, monkeypatch)
    assert run.exit_code == 0, run.output
    default = tmp_path / "reports" / "backtest.json"
    assert f"JSON written to {default}" in run.output
    for text in (
        "ROC AUC",
        "Churn by tier at R-60",
        "Worst-decile lift",
        "baseline",
        "Alert rules",
    ):
        assert text in run.output, text
    assert "No churn probability yet" in run.output
    out = json.loads(default.read_text())
    assert out["status"] == "ok" and out["by_horizon"]["60"]["all"]["roc_auc"] > 0.6


def test_cli_backtest_with_an_oracle_and_another_headline(
    duck_built: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    csv = _oracle_csv(duck_built, tmp_path / "oracle.csv")
    json_path = tmp_path / "bt.json"
    run = _invoke(
        duck_built, monkeypatch, "--oracle", str(csv), "--horizon", "30", "--json", str(json_path)
    )
    assert run.exit_code == 0, run.output
    assert "share of oracle" in run.output and "Churn by tier at R-30" in run.output
    out = json.loads(json_path.read_text())
    assert out["headline_horizon"] == 30
    for h in map(str, HORIZONS):
        found = out["oracle"][h]
        assert found["oracle_roc_auc"] > found["score_roc_auc"]
        assert found["share_of_oracle"] == pytest.approx(
            found["score_roc_auc"] / found["oracle_roc_auc"]
        )
        assert found["renewals"] == out["by_horizon"][h]["all"]["scored"]
        assert found["outcome_mismatches"] == 0


def test_cli_backtest_refuses_bad_options(
    duck_built: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _invoke(duck_built, monkeypatch, "--horizon", "45", "--json", str(tmp_path / "b.json"))
    assert run.exit_code == 2 and "horizon 45 is not in the backtest" in run.output
    bad = tmp_path / "oracle.csv"
    bad.write_text("account_id,renewal_date\nA1,2025-01-01\n")
    run = _invoke(duck_built, monkeypatch, "--oracle", str(bad), "--json", str(tmp_path / "b.json"))
    assert run.exit_code == 2 and "lacks is_lost" in run.output
    assert not (tmp_path / "b.json").exists()


def test_cli_backtest_without_kept_renewals_says_so(
    duck_built: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wh = copy_duckdb(duck_built, tmp_path)
    wh.execute("delete from calibration.rpt_renewal_backtest where not is_lost")
    json_path = tmp_path / "bt.json"
    run = _invoke(wh, monkeypatch, "--json", str(json_path))
    assert run.exit_code == 3, run.output
    assert "No kept renewal recorded" in run.output and "renewal opportunities" in run.output
    assert json.loads(json_path.read_text())["status"] == "refused"


def test_cli_backtest_before_a_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = _invoke(duckdb_warehouse(tmp_path), monkeypatch, "--json", str(tmp_path / "b.json"))
    assert run.exit_code == 2
    assert "run `customer-health build` first" in run.output


# ----------------------------------------------------------------------------- report


def _refused_calibration(tmp_path: Path) -> Path:
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({"status": "refused", "message": "not needed here"}))
    return path


def test_report_has_the_backtest_section(duck_built: Warehouse, tmp_path: Path) -> None:
    result = report.build_report(
        duck_built, tmp_path / "r.html", calibration_json=_refused_calibration(tmp_path)
    )
    html = result.path.read_text(encoding="utf-8")
    assert 'id="backtest"' in html and 'href="#backtest"' in html
    assert 'id="chart-backtest_auc"' in html and 'id="chart-backtest_tiers"' in html
    assert 'id="chart-backtest_reliability"' not in html
    assert "No churn probability yet: run <code>customer-health calibrate</code>" in html
    assert html.count('class="plotly-graph-div"') == result.charts
    assert "Tiers ordered" in html


def test_report_and_backtest_use_a_churn_probability_when_the_model_has_one(
    duck_built: Warehouse, tmp_path: Path
) -> None:
    wh = copy_duckdb(duck_built, tmp_path)
    # a fitted model for the weights in use, as `calibrate --apply` would leave it, then the
    # models from the probability on rebuilt: the marts and the backtest carry the probability
    version = wh.query_df("select weights_version from intermediate.int_scoring__weights_version")
    wh.execute(
        "insert into config.churn_probability_model values "
        f"('{version['weights_version'][0]}', 'all', 0, -6.25, 12.5, 60, 200, 40, "
        "date '2026-01-01')"
    )
    dbt_runner.run(
        ["run", "--select", "int_scoring__churn_probability+", "--full-refresh"], wh, quiet=True
    )
    mart = wh.query_df("select churn_probability, probability_note from marts.mart_account_health")
    assert mart["churn_probability"].notna().all()
    assert mart["probability_note"].str.startswith("fitted on 200 renewals").all()
    result = backtest.run_backtest(wh, replicates=100)
    assert result.ranking == "churn_probability"
    assert len(result.headline["reliability"]) == 10
    # a monotone transform of the score: the same ranking, the same AUC
    assert result.headline["all"]["roc_auc"] == pytest.approx(
        backtest.run_backtest(duck_built, replicates=100).headline["all"]["roc_auc"]
    )
    built = report.build_report(
        wh, tmp_path / "r.html", calibration_json=_refused_calibration(tmp_path)
    )
    html = built.path.read_text(encoding="utf-8")
    assert 'id="chart-backtest_reliability"' in html
    assert "No churn probability yet" not in html


def _same(left: object, right: object, where: str = "") -> None:
    if isinstance(left, dict) and isinstance(right, dict):
        assert left.keys() == right.keys(), where
        for key in left:
            _same(left[key], right[key], f"{where}.{key}")
    elif isinstance(left, list) and isinstance(right, list):
        assert len(left) == len(right), where
        for i, (a, b) in enumerate(zip(left, right, strict=True)):
            _same(a, b, f"{where}[{i}]")
    elif isinstance(left, float) and isinstance(right, float):
        assert left == pytest.approx(right, rel=1e-6, abs=1e-9), where
    else:
        assert left == right, where


@pytest.mark.postgres
def test_backtest_is_the_same_on_both_engines(
    demo_result: backtest.BacktestResult, pg_built: Warehouse
) -> None:
    duck = demo_result.to_dict()
    pg = backtest.run_backtest(pg_built).to_dict()
    for key in ("warehouse", "generated_at"):
        duck.pop(key), pg.pop(key)
    _same(duck, pg)
