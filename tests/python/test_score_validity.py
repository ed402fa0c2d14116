"""Score validity on two independently built worlds: the renewal backtest (section 1 of the
score-validity issue) run on the demo book and on the second world, whose causal model, scales
and noise were not written with the score in view (docs/second_world.md).

The books here are small (built once per session), so the floors below sit under what the
large books reach (docs/score_validity.md has those figures); they still fail if the default
score stops separating churners, if the tiers stop being ordered, or if the default alerts
cry wolf."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from customer_health.backtest import run_backtest
from customer_health.warehouse import Warehouse

HEADLINE = 60


def _oracle_csv(oracle: pd.DataFrame, directory: Path) -> Path:
    path = directory / "oracle.csv"
    oracle.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def demo_backtest(duck_built: Warehouse) -> dict:
    return run_backtest(duck_built, replicates=300).to_dict()


@pytest.fixture(scope="module")
def second_backtest(
    second_world_built: tuple[Warehouse, pd.DataFrame], tmp_path_factory: pytest.TempPathFactory
) -> dict:
    wh, oracle = second_world_built
    path = _oracle_csv(oracle, tmp_path_factory.mktemp("oracle"))
    return run_backtest(wh, oracle_path=path, replicates=300).to_dict()


def _all(result: dict, horizon: int = HEADLINE) -> dict:
    return result["by_horizon"][str(horizon)]["all"]


def _tiers(result: dict, horizon: int = HEADLINE) -> dict[str, float]:
    return {
        row["tier"]: row["churn_rate"]
        for row in result["by_horizon"][str(horizon)]["churn_by_tier"]
        if row["renewals"] > 0
    }


def _all_rules(result: dict, days_ahead: int) -> dict:
    (row,) = [r for r in result["alerts"] if r["rule"] == "all" and r["days_ahead"] == days_ahead]
    return row


def test_the_demo_score_sorts_renewals_60_days_ahead(demo_backtest: dict) -> None:
    headline = _all(demo_backtest)
    assert headline["ranked_lost"] >= 20, "the demo book must have lost renewals to judge"
    assert headline["roc_auc"] >= 0.75
    assert headline["roc_auc_ci"][0] > 0.6
    assert headline["worst_decile_lift"] >= 2.0


def test_the_second_world_score_sorts_renewals_it_was_never_tuned_to(second_backtest: dict) -> None:
    headline = _all(second_backtest)
    assert headline["ranked_lost"] >= 20
    # better than chance with 95% confidence, at every horizon
    for horizon in second_backtest["horizons"]:
        assert _all(second_backtest, horizon)["roc_auc_ci"][0] > 0.5, horizon
    # and a fair share of the best possible score, computed from the hidden state itself
    ceiling = second_backtest["oracle"][str(HEADLINE)]
    assert ceiling["outcome_mismatches"] == 0
    assert ceiling["unmatched_scored_renewals"] == 0
    assert ceiling["share_of_oracle"] >= 0.75


@pytest.mark.parametrize("world", ["demo", "second"])
def test_tiers_are_used_and_ordered_by_churn(world: str, request: pytest.FixtureRequest) -> None:
    result = request.getfixturevalue(f"{world}_backtest")
    rates = _tiers(result)
    assert set(rates) == {"critical", "at_risk", "healthy"}, "all three tiers are in use"
    assert rates["critical"] > rates["healthy"]
    assert rates["at_risk"] > rates["healthy"]


@pytest.mark.parametrize("world", ["demo", "second"])
def test_default_alerts_do_not_cry_wolf(world: str, request: pytest.FixtureRequest) -> None:
    result = request.getfixturevalue(f"{world}_backtest")
    every_rule = _all_rules(result, 30)
    assert every_rule["kept_renewals"] > 0 and every_rule["lost_renewals"] > 0
    # false alarms: the target is under 30% of kept renewals alerted 30 days ahead or more,
    # reached on the 1,000-account books (28% demo, 19% second world); these books have about
    # 150 kept renewals each, so one standard error is about 4 points
    assert every_rule["false_alarm_rate"] < 0.35
    # and the alerts that do fire come before lost renewals more often than before kept ones
    assert every_rule["recall"] > 1.3 * every_rule["false_alarm_rate"]


def test_the_second_world_lands_every_renewal_as_the_oracle_has_it(second_backtest: dict) -> None:
    # the backtest's renewals are the oracle's: nothing lost in the lifecycle models
    assert second_backtest["renewals"]["lost"] > 0
    assert second_backtest["oracle"][str(HEADLINE)]["renewals"] > 50
