"""The README's calibration ritual, end to end through the CLI exactly as written there, on a
copy of the project (so that `--apply` writes to the copy's seeds, not this checkout's):

    customer-health calibrate            # read the decision
    customer-health calibrate --apply
    customer-health build
    customer-health backtest

A book of 600 accounts over two years has enough lost renewals on both sides of the split for
the calibration to decide and for the churn probability to be fitted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from customer_health.cli import main
from customer_health.warehouse import Warehouse

from .conftest import duckdb_warehouse

ROOT = Path(__file__).resolve().parents[2]
IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "target", "logs", "data", "reports", "artifacts", ".dbt", "*.duckdb*"
)


def _cli(*args: str, codes: tuple[int, ...] = (0,)) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code in codes, (
        f"{' '.join(args)} exited {result.exit_code}:\n{result.output}"
    )
    return result.output


@pytest.fixture(scope="module")
def ritual_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("ritual") / "project"
    shutil.copytree(ROOT, project, ignore=IGNORED)
    return project


def test_the_readme_ritual_runs_end_to_end(
    ritual_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wh: Warehouse = duckdb_warehouse(tmp_path)
    monkeypatch.setenv("CUSTOMER_HEALTH_PROJECT_DIR", str(ritual_project))
    monkeypatch.setenv("CUSTOMER_HEALTH_DUCKDB_PATH", str(wh.duckdb_path))
    _cli("demo-data", "--accounts", "600", "--days", "730", "--seed", "3")
    _cli("build")
    seeds = ritual_project / "seeds"
    weights_before = (seeds / "segment_weights.csv").read_text()

    # 1-2. calibrate, and read the decision: a proposal (0) or not better (4), never harm
    output = _cli("calibrate", codes=(0, 4))
    decision = json.loads((ritual_project / "reports" / "calibration.json").read_text())
    assert decision["status"] in {"proposed", "not_better"}
    assert "Decision" in output
    assert (seeds / "segment_weights.csv").read_text() == weights_before, "nothing applied yet"

    # 3-4. apply, then build: new weights rescore the whole history
    _cli("calibrate", "--apply", codes=(0, 4))
    assert (seeds / "churn_probability_model.csv").read_text().count("\n") > 1
    _cli("build")
    versions = wh.query_df(
        "select count(distinct weights_version) as n from marts.mart_account_health_history"
    )
    assert int(versions["n"].iloc[0]) == 1, "the history says what the current weights say"
    if decision["status"] == "proposed":
        assert (seeds / "segment_weights.csv").read_text() != weights_before
        # the probability was fitted on the previous score: the marts say so
        notes = wh.query_df("select probability_note from marts.mart_account_health")
        assert notes["probability_note"].str.contains("calibrate").all()
        # the ritual again: calibrate --apply refits the probability on the new score
        _cli("calibrate", "--apply", codes=(0, 4))
        _cli("build")

    # the marts carry a churn probability with its interval
    mart = wh.query_df(
        "select churn_probability as p, churn_probability_low as low, "
        "churn_probability_high as high from marts.mart_account_health"
    )
    assert mart["p"].notna().all()
    assert ((mart["low"] <= mart["p"] + 1e-12) & (mart["p"] <= mart["high"] + 1e-12)).all()

    # 5. backtest: judged on the renewals, ranked by the probability, reliable by decile
    _cli("backtest", "--json", str(tmp_path / "backtest.json"))
    backtest = json.loads((tmp_path / "backtest.json").read_text())
    assert backtest["ranking"] == "churn_probability"
    headline = backtest["by_horizon"]["60"]
    assert headline["all"]["roc_auc"] > 0.75
    deciles = [d for d in headline["reliability"] if d["renewals"] >= 50]
    assert deciles, "some deciles have enough renewals to judge"
    for decile in deciles:
        assert abs(decile["predicted"] - decile["churn_rate"]) < 0.10, decile
