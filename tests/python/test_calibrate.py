"""Calibration: out-of-time fits of per-segment weights and tiers, on DuckDB and Postgres.

Two kinds of book:
- a *controlled* book written straight into DuckDB (no dbt): family scores that measure the
  family latents faithfully, and churn drawn from the planted logistic of
  ``generator.PLANTED_DRIVERS``. The truth is known, so the method must recover it: better
  out-of-time AUC than the current weights, and weights closer to the planted ones.
- the demo book built by dbt (``duck_built`` / ``pg_built``): the real pipeline end to end, the
  split, the files, apply, the same answer on both engines, and the polite refusals.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from customer_health import calibrate
from customer_health.cli import main
from customer_health.dbt import project_dir
from customer_health.generator import PLANTED_DRIVERS
from customer_health.warehouse import Warehouse

from .conftest import pg_warehouse
from .pgcluster import PgCluster

ROOT = project_dir()
SEEDS = ROOT / "seeds"
#: The controlled book: accounts per segment, weekly score dates, churn model (logit scale).
CONTROLLED = {"accounts_per_segment": 600, "weeks": 104, "seed": 3}
CHURN_LOGIT = {"intercept": -5.5, "slope": 14.0, "reference": 0.7}


def seeds_fingerprint() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in SEEDS.glob("*.csv")}


def l1(a: dict[str, float], b: dict[str, float]) -> float:
    return sum(abs(a[f] - b[f]) for f in calibrate.FAMILIES)


# ----------------------------------------------------------------------------- controlled book


def controlled_book(path: Path, accounts_per_segment: int, weeks: int, seed: int) -> Warehouse:
    """Write a book whose churn follows PLANTED_DRIVERS into the tables calibrate reads."""
    rng = np.random.default_rng(seed)
    current = pd.read_csv(SEEDS / "segment_weights.csv")
    tiers = pd.read_csv(SEEDS / "score_tiers.csv")
    horizon = 90
    end = dt.date(2026, 9, 27)
    dates = [end - dt.timedelta(weeks=weeks - 1 - k) for k in range(weeks)]
    frames = []
    for segment, planted_weights in PLANTED_DRIVERS.items():
        n = accounts_per_segment
        planted = np.array([planted_weights[f] for f in calibrate.FAMILIES])
        weights = current[current["segment"] == segment].set_index("family")["weight"]
        cw = weights.reindex(calibrate.FAMILIES).to_numpy()
        level = rng.normal(1.3, 0.7, (n, 4))
        drift = np.zeros((n, 4))
        alive = np.ones(n, dtype=bool)
        churn_day = np.full(n, np.inf)
        history = []
        for k in range(weeks):
            drift = 0.92 * drift + rng.normal(0, 0.35, (n, 4))
            latent = 1 / (1 + np.exp(-(level + drift)))
            history.append((k, latent, alive.copy()))
            logit = CHURN_LOGIT["intercept"] + CHURN_LOGIT["slope"] * (
                CHURN_LOGIT["reference"] - latent @ planted
            )
            churned = alive & (rng.random(n) < 1 / (1 + np.exp(-logit)))
            churn_day[churned] = 7 * k + rng.integers(1, 7, int(churned.sum()))
            alive &= ~churned
        for k, latent, was_alive in history:
            scores = np.clip(100 * latent + rng.normal(0, 3, latent.shape), 0, 100)
            scores[rng.random(scores.shape) < 0.03] = np.nan  # missing families
            present = ~np.isnan(scores)
            health = np.nansum(scores * cw, axis=1) / np.maximum((present * cw).sum(axis=1), 1e-9)
            health[~present.any(axis=1)] = np.nan
            censored = 7 * k + horizon > 7 * (weeks - 1)
            label = (churn_day > 7 * k) & (churn_day <= 7 * k + horizon)
            keep = was_alive
            frame = pd.DataFrame(scores[keep], columns=[f"{f}_score" for f in calibrate.FAMILIES])
            frame.insert(
                0, "account_id", [f"{segment[:3].upper()}{i:05d}" for i in np.flatnonzero(keep)]
            )
            frame.insert(1, "segment", segment)
            frame.insert(2, "history_source", "backfill")
            frame["health_score"] = np.round(health[keep], 6)
            frame["is_churned_within_horizon"] = None if censored else label[keep].astype(int)
            frame["is_censored"] = censored
            frame["horizon_days"] = horizon
            frame["score_date"] = dates[k]
            frames.append(frame)
    outcomes = pd.concat(frames, ignore_index=True)
    outcomes["is_churned_within_horizon"] = outcomes["is_churned_within_horizon"].astype("Int64")
    latest = outcomes[outcomes["score_date"] == end].dropna(subset=["health_score"]).copy()
    latest["account_name"] = latest["account_id"] + " Ltd"
    latest["arr_reporting"] = rng.integers(1, 200, len(latest)) * 1000.0
    latest["health_tier"] = calibrate.assign_tier(latest["health_score"], tiers)
    lead = pd.DataFrame(
        {
            "segment": ["all"],
            "churns": [0],
            "churns_alerted": [0],
            "share_alerted": [None],
            "median_lead_time_days": [None],
            "churns_alerted_60_days_ahead": [0],
        }
    )
    tables = {
        "intermediate.int_outcomes": outcomes,
        "config.segment_weights": current,
        "config.score_tiers": tiers,
        "marts.mart_account_health": latest,
        "calibration.rpt_lead_time_summary": lead,
    }
    write_duckdb(path, tables)
    return replace(Warehouse.from_env("duckdb"), duckdb_path=path)


def write_duckdb(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    con = duckdb.connect(str(path))
    try:
        for name, frame in tables.items():
            con.execute(f"create schema if not exists {name.split('.')[0]}")
            con.register("_frame", frame)
            con.execute(f"create or replace table {name} as select * from _frame")
            con.unregister("_frame")
    finally:
        con.close()


@pytest.fixture(scope="session")
def controlled(tmp_path_factory: pytest.TempPathFactory) -> calibrate.CalibrationResult:
    wh = controlled_book(tmp_path_factory.mktemp("controlled") / "book.duckdb", **CONTROLLED)
    return calibrate.run_calibration(wh)


def test_proposed_weights_beat_the_current_ones_out_of_time(
    controlled: calibrate.CalibrationResult,
) -> None:
    overall = controlled.metrics["all"]
    print(
        "\ncontrolled book, validation ROC AUC current -> proposed: "
        + ", ".join(
            f"{s} {m['current']['roc_auc']:.3f} -> {m['proposed']['roc_auc']:.3f}"
            for s, m in controlled.metrics.items()
        )
    )
    assert overall["proposed"]["roc_auc"] > overall["current"]["roc_auc"] + 0.01
    assert overall["proposed"]["pr_auc"] > overall["current"]["pr_auc"]
    assert overall["proposed"]["brier"] <= overall["current"]["brier"]


def test_proposed_weights_move_towards_the_planted_drivers(
    controlled: calibrate.CalibrationResult,
) -> None:
    for segment, planted in PLANTED_DRIVERS.items():
        proposed = controlled.weights["proposed"][segment]
        current = controlled.weights["current"][segment]
        print(
            f"\n{segment}: L1 to planted current {l1(current, planted):.2f}, "
            f"proposed {l1(proposed, planted):.2f} ({proposed})"
        )
        assert l1(proposed, planted) < l1(current, planted), segment


# ----------------------------------------------------------------------------- the demo book


@pytest.fixture(scope="session")
def duck_result(
    duck_built: Warehouse, tmp_path_factory: pytest.TempPathFactory
) -> calibrate.CalibrationResult:
    out = tmp_path_factory.mktemp("proposal")
    return calibrate.run_calibration(
        duck_built, output_dir=out / "proposed", json_path=out / "calibration.json"
    )


def test_split_is_out_of_time(duck_result: calibrate.CalibrationResult) -> None:
    split = duck_result.split
    train_end = dt.date.fromisoformat(split["train_end"])
    validation_start = dt.date.fromisoformat(split["validation_start"])
    assert train_end + dt.timedelta(days=split["horizon_days"]) <= validation_start
    assert split["train_start"] < split["train_end"] < split["validation_start"]
    assert split["validation_start"] <= split["validation_end"]
    assert split["train_score_dates"] > split["validation_score_dates"] >= 2


def test_split_never_lets_training_labels_reach_validation() -> None:
    dates = [dt.date(2025, 1, 5) + dt.timedelta(weeks=k) for k in range(30)]
    split = calibrate.split_out_of_time(dates, 90)
    assert split.train_end + dt.timedelta(days=90) <= split.validation_start
    assert set(split.train_dates).isdisjoint(split.validation_dates)
    assert max(split.train_dates) < min(split.validation_dates)
    with pytest.raises(calibrate.NotEnoughHistory):
        calibrate.split_out_of_time(dates[:14], 90)


def test_result_names_its_history_source_and_writes_seed_shaped_files(
    duck_result: calibrate.CalibrationResult,
) -> None:
    assert duck_result.history_source in ("backfill", "snapshot", "snapshot + backfill")
    assert sum(duck_result.history_source_rows.values()) == duck_result.rows["labelled"]
    files = duck_result.files["proposal"]
    weights = pd.read_csv(files["segment_weights.csv"])
    current = pd.read_csv(SEEDS / "segment_weights.csv")
    assert list(weights.columns) == list(current.columns)
    assert set(zip(weights["segment"], weights["family"], strict=True)) == set(
        zip(current["segment"], current["family"], strict=True)
    )
    assert (weights["weight"] >= 0).all()
    assert (weights["weight"].round(2) == weights["weight"]).all()
    for segment, rows in weights.groupby("segment"):
        assert round(rows["weight"].sum(), 9) == 1.0, segment
    tiers = pd.read_csv(files["score_tiers.csv"])
    seed_tiers = pd.read_csv(SEEDS / "score_tiers.csv")
    assert list(tiers.columns) == list(seed_tiers.columns)
    assert list(tiers["label"]) == list(seed_tiers["label"])
    for scale, rows in tiers.groupby("scale"):
        rows = rows.sort_values("sort_order")
        assert rows["min_score"].iloc[0] == 0 and rows["max_score"].iloc[-1] == 101, scale
        assert (rows["min_score"].to_numpy()[1:] == rows["max_score"].to_numpy()[:-1]).all()
        assert (rows["min_score"] < rows["max_score"]).all(), scale
    health = tiers[tiers["scale"] == "health_tier"].set_index("label")
    risk = tiers[tiers["scale"] == "risk_level"].set_index("label")
    assert health.loc["critical", "max_score"] == risk.loc["critical", "max_score"]
    assert health.loc["healthy", "min_score"] == risk.loc["low", "min_score"]
    saved = json.loads(Path(duck_result.files["json"]).read_text())
    assert saved["history_source"] == duck_result.history_source
    assert saved["split"] == duck_result.split
    assert {"metrics", "weights", "thresholds", "impact", "lead_time"} <= set(saved)
    assert saved["metrics"]["all"]["current"]["roc_auc"] is not None


def test_metrics_and_impact_are_complete(duck_result: calibrate.CalibrationResult) -> None:
    for segment in [*duck_result.weights["current"], "all"]:
        entry = duck_result.metrics[segment]
        for kind in ("current", "proposed"):
            expected = {"roc_auc", "pr_auc", "brier", "lift_top_decile"}
            if segment == "all":
                expected.add("roc_auc_within_segments")
            assert set(entry[kind]) == expected
    overall = duck_result.metrics["all"]
    assert 0.5 < overall["current"]["roc_auc"] <= 1
    assert overall["validation_rows"] == duck_result.rows["validation"]
    impact = duck_result.impact
    matrix = impact["transition_matrix"]
    assert sum(sum(row.values()) for row in matrix.values()) == impact["accounts"]
    off_diagonal = sum(n for a, row in matrix.items() for b, n in row.items() if a != b)
    assert off_diagonal == impact["accounts_changing_tier"]
    assert impact["arr_at_risk_proposed"] == pytest.approx(
        impact["arr_at_risk_current"] + impact["arr_into_at_risk"] - impact["arr_out_of_at_risk"]
    )
    assert impact["roc_auc_current"] == overall["current"]["roc_auc"]
    tiers = {(r["segment"], r["score"]) for r in duck_result.churn_by_tier}
    assert ("all", "current") in tiers and ("all", "proposed") in tiers
    assert any(row["segment"] == "all" for row in duck_result.lead_time)


def test_preview_with_the_current_weights_reproduces_the_dbt_score(duck_built: Warehouse) -> None:
    outcomes = calibrate.load_outcomes(duck_built)
    preview = calibrate.weighted_score(outcomes, calibrate.load_current_weights(duck_built))
    np.testing.assert_allclose(preview, outcomes["health_score"], atol=1e-5)


def test_nothing_in_seeds_changes_without_apply(duck_built: Warehouse, tmp_path: Path) -> None:
    before = seeds_fingerprint()
    result = calibrate.run_calibration(duck_built, output_dir=tmp_path / "proposed")
    assert seeds_fingerprint() == before
    assert "applied_to" not in result.files
    assert sorted(p.name for p in (tmp_path / "proposed").iterdir()) == [
        "PROPOSAL.md",
        "score_tiers.csv",
        "segment_weights.csv",
    ]


def test_apply_copies_the_proposal_over_the_seeds(duck_built: Warehouse, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name in calibrate.PROPOSAL_FILES:
        (seeds / name).write_bytes((SEEDS / name).read_bytes())
    before = seeds_fingerprint()
    result = calibrate.run_calibration(
        duck_built, output_dir=tmp_path / "proposed", apply=True, seeds_dir=seeds
    )
    assert seeds_fingerprint() == before  # the real seeds are untouched
    assert sorted(result.files["applied_to"]) == sorted(
        str(seeds / n) for n in calibrate.PROPOSAL_FILES
    )
    for name in calibrate.PROPOSAL_FILES:
        assert (seeds / name).read_bytes() == (tmp_path / "proposed" / name).read_bytes()


def test_dbt_ignores_the_proposal_folder() -> None:
    assert "seeds/proposed/" in (project_dir() / ".dbtignore").read_text().splitlines()


def test_cli_calibrate_writes_files_and_says_where(
    duck_built: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUSTOMER_HEALTH_DUCKDB_PATH", str(duck_built.duckdb_path))
    before = seeds_fingerprint()
    out, json_path = tmp_path / "proposed", tmp_path / "cal.json"
    run = CliRunner().invoke(
        main,
        ["calibrate", "--target", "duckdb", "--output-dir", str(out), "--json", str(json_path)],
    )
    assert run.exit_code == 0, run.output
    assert str(out) in run.output and str(json_path) in run.output
    assert "History source" in run.output and "ROC AUC" in run.output
    assert json.loads(json_path.read_text())["status"] == "ok"
    assert seeds_fingerprint() == before


# ----------------------------------------------------------------------------- refusals


def reduced_copy(source: Warehouse, path: Path, where: str) -> Warehouse:
    """A DuckDB with the calibration inputs of `source`, int_outcomes filtered by `where`."""
    tables = {
        "intermediate.int_outcomes": source.query_df(
            f"select * from intermediate.int_outcomes where {where}"
        ),
        "config.segment_weights": source.query_df("select * from config.segment_weights"),
        "config.score_tiers": source.query_df("select * from config.score_tiers"),
    }
    write_duckdb(path, tables)
    return replace(source, duckdb_path=path)


def test_too_few_score_dates_is_refused_politely(duck_built: Warehouse, tmp_path: Path) -> None:
    first = duck_built.query_df(
        "select min(score_date) as d from intermediate.int_outcomes where not is_censored"
    )["d"].iloc[0]
    tiny = reduced_copy(
        duck_built,
        tmp_path / "tiny.duckdb",
        f"score_date <= cast('{pd.Timestamp(first).date()}' as date) + 35",
    )
    with pytest.raises(calibrate.NotEnoughHistory) as refused:
        calibrate.run_calibration(tiny, output_dir=tmp_path / "proposed")
    message = str(refused.value)
    assert f"{calibrate.MIN_SCORE_DATES} distinct labelled score dates are needed" in message
    assert "180 days" in message and "customer-health calibrate" in message
    assert not (tmp_path / "proposed").exists()


def test_too_few_churns_is_refused_politely(duck_built: Warehouse, tmp_path: Path) -> None:
    calm = reduced_copy(
        duck_built,
        tmp_path / "calm.duckdb",
        "is_censored or is_churned_within_horizon = 0 or account_id in ("
        "select min(account_id) from intermediate.int_outcomes "
        "where is_churned_within_horizon = 1)",
    )
    with pytest.raises(calibrate.NotEnoughHistory) as refused:
        calibrate.run_calibration(calm)
    assert f"{calibrate.MIN_CHURNED_ACCOUNT_DATES} labelled churned account-dates" in str(
        refused.value
    )


def test_cli_refusal_exits_3_with_the_message(
    duck_built: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiny = reduced_copy(duck_built, tmp_path / "tiny.duckdb", "false")
    monkeypatch.setenv("CUSTOMER_HEALTH_DUCKDB_PATH", str(tiny.duckdb_path))
    json_path = tmp_path / "cal.json"
    run = CliRunner().invoke(
        main,
        ["calibrate", "--output-dir", str(tmp_path / "p"), "--json", str(json_path)],
    )
    assert run.exit_code == 3, run.output
    assert "Not enough history to calibrate" in run.output
    assert json.loads(json_path.read_text())["status"] == "refused"


def test_segment_with_few_churns_falls_back_to_global_weights() -> None:
    rng = np.random.default_rng(0)
    rows = []
    for segment, events in (("big", 200), ("small", 3)):
        n = 3000
        scores = rng.uniform(20, 100, (n, 4))
        churned = np.zeros(n, dtype=int)
        churned[np.argsort(scores[:, 0])[:events]] = 1
        frame = pd.DataFrame(scores, columns=[f"{f}_score" for f in calibrate.FAMILIES])
        rows.append(frame.assign(segment=segment, churned=churned, account_id=range(n)))
    train = pd.concat(rows, ignore_index=True)
    current = {s: dict.fromkeys(calibrate.FAMILIES, 0.25) for s in ("big", "small")}
    proposed, global_shares, info, notes = calibrate.fit_weights(
        train, ["big", "small"], 30.0, current
    )
    assert proposed["small"] == calibrate.round_weights(global_shares)
    assert info["small"]["source"].startswith("global weights")
    assert any(n.startswith("small:") for n in notes)
    assert proposed["big"]["usage"] == max(proposed["big"].values())


def test_rounded_weights_sum_to_exactly_one() -> None:
    rounded = calibrate.round_weights({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3, "d": 0.0})
    assert sum(round(v * 100) for v in rounded.values()) == 100
    assert all(round(v, 2) == v for v in rounded.values())


# ----------------------------------------------------------------------------- Postgres


@pytest.mark.postgres
def test_postgres_gives_the_same_calibration_as_duckdb(
    pg_built: Warehouse, duck_result: calibrate.CalibrationResult
) -> None:
    pg = calibrate.run_calibration(pg_built)
    assert pg.history_source == duck_result.history_source
    assert pg.split == duck_result.split
    assert pg.rows == duck_result.rows
    assert pg.weights["proposed"] == duck_result.weights["proposed"]
    assert pg.thresholds == duck_result.thresholds
    for segment, entry in duck_result.metrics.items():
        for kind in ("current", "proposed"):
            for name, value in entry[kind].items():
                other = pg.metrics[segment][kind][name]
                if value is None:
                    assert other is None, (segment, kind, name)
                else:
                    assert other == pytest.approx(value, abs=1e-6), (segment, kind, name)
    assert pg.impact["transition_matrix"] == duck_result.impact["transition_matrix"]


@pytest.mark.postgres
def test_postgres_refusal_is_polite(pg_cluster: PgCluster, pg_built: Warehouse) -> None:
    wh = pg_warehouse(pg_cluster, "customer_health_calibrate_tiny")
    columns = ", ".join(f"{c} double precision" for c in [f"{f}_score" for f in calibrate.FAMILIES])
    wh.execute(
        "create schema intermediate",
        "create schema config",
        "create table intermediate.int_outcomes (account_id varchar, segment varchar, "
        f"history_source varchar, {columns}, health_score double precision, "
        "is_churned_within_horizon integer, is_censored boolean, horizon_days integer, "
        "score_date date)",
        "create table config.segment_weights as select 'smb'::varchar as segment, "
        "'usage'::varchar as family, 1.0::numeric as weight",
        "create table config.score_tiers (scale varchar, label varchar, min_score numeric, "
        "max_score numeric, sort_order integer)",
    )
    sample = pg_built.query_df(
        "select account_id, segment, history_source, usage_score, support_score, "
        "relationship_score, finance_score, health_score, is_churned_within_horizon, "
        "is_censored, horizon_days, score_date from intermediate.int_outcomes "
        "where not is_censored order by score_date limit 50"
    )
    with wh.connect() as con:
        wh.copy_dataframe(con, "intermediate", "int_outcomes", sample)
    with pytest.raises(calibrate.NotEnoughHistory) as refused:
        calibrate.run_calibration(wh)
    assert "labelled churned account-dates are needed" in str(refused.value)


# ------------------------------------------------------------------------ the demo book itself
#: A demo book large enough to calibrate on (the shared fixture book is kept small for speed).
DEMO_BOOK = {"accounts": 600, "days": 730, "seed": 11}


@pytest.fixture(scope="session")
def demo_calibration(tmp_path_factory: pytest.TempPathFactory) -> calibrate.CalibrationResult:
    from customer_health import dbt as dbt_runner
    from customer_health import loader

    from .conftest import duckdb_warehouse

    wh = duckdb_warehouse(tmp_path_factory.mktemp("demo_calibration"))
    loader.generate_and_load(wh, progress=False, **DEMO_BOOK)
    dbt_runner.run(["build", "--full-refresh", "--exclude", "test_type:data"], wh, quiet=True)
    out = tmp_path_factory.mktemp("demo_proposal")
    return calibrate.run_calibration(wh, output_dir=out, json_path=out / "calibration.json")


def test_on_the_demo_book_calibration_never_hides_a_worse_proposal(
    demo_calibration: calibrate.CalibrationResult,
) -> None:
    """Out of time, the proposal is close to the current score (the demo's planted weights are
    near the seeds'), and when it ranks churners worse, calibrate says so instead of
    recommending it. Whether it gains depends on the draw of the book (seeds 11-13 of the demo
    generator give -0.01 to +0.01), so a gain is not asserted."""
    overall = demo_calibration.to_dict()["metrics"]["all"]
    before, after = overall["current"]["roc_auc"], overall["proposed"]["roc_auc"]
    print(f"\ndemo book {DEMO_BOOK}: out-of-time AUC {before:.3f} -> {after:.3f}")
    for segment, figures in demo_calibration.to_dict()["metrics"].items():
        print(
            f"  {segment:<11} {figures['current']['roc_auc']:.3f} -> "
            f"{figures['proposed']['roc_auc']:.3f}"
        )
    assert after >= before - 0.02, "the proposal collapses out of time"
    if after < before - 0.0005:
        notes = " ".join(demo_calibration.to_dict()["notes"])
        assert "ranks churners worse" in notes, notes


def test_on_the_demo_book_proposed_weights_move_towards_the_planted_drivers(
    demo_calibration: calibrate.CalibrationResult,
) -> None:
    current = pd.read_csv(SEEDS / "segment_weights.csv")
    proposed = demo_calibration.to_dict()["weights"]["proposed"]
    before, after = [], []
    for segment, planted in PLANTED_DRIVERS.items():
        seed_weights = current[current["segment"] == segment].set_index("family")["weight"]
        before.append(l1(seed_weights.to_dict(), planted))
        after.append(l1(proposed[segment], planted))
        print(f"\n{segment}: L1 to planted {before[-1]:.2f} -> {after[-1]:.2f}")
    assert np.mean(after) <= np.mean(before) - 0.05


def test_an_applied_proposal_builds(tmp_path: Path) -> None:
    """`calibrate --apply` then `dbt build` passes: no unit test reads cut-offs or weights from
    the live seeds. The proposal moves every tier cut-off and every weight."""
    from customer_health import dbt as dbt_runner
    from customer_health import loader

    from .conftest import duckdb_warehouse

    project = tmp_path / "project"
    shutil.copytree(
        ROOT,
        project,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "target", "logs", "data", "reports", "artifacts", ".dbt", "*.duckdb*"
        ),
    )
    proposal = tmp_path / "proposal"
    proposal.mkdir()
    tiers = pd.read_csv(SEEDS / "score_tiers.csv")
    inner = (tiers["min_score"] > 0) & (tiers["min_score"] < 100)
    tiers.loc[inner, "min_score"] -= 3
    inner_max = tiers["max_score"] < 100
    tiers.loc[inner_max, "max_score"] -= 3
    tiers.to_csv(proposal / "score_tiers.csv", index=False)
    weights = pd.read_csv(SEEDS / "segment_weights.csv")
    weights["weight"] = 0.25
    weights.to_csv(proposal / "segment_weights.csv", index=False)
    calibrate.apply_proposal(proposal, project / "seeds")
    assert pd.read_csv(project / "seeds" / "score_tiers.csv")["min_score"].tolist() != (
        pd.read_csv(SEEDS / "score_tiers.csv")["min_score"].tolist()
    )

    wh = duckdb_warehouse(tmp_path)
    loader.generate_and_load(wh, progress=False, accounts=40, days=200, seed=5)
    result = dbt_runner.run(["build", "--full-refresh"], wh, quiet=True, project=project)
    assert result.success
    mart = wh.query_df("select health_score, health_tier from marts.mart_account_health")
    at_risk = mart[mart["health_tier"] == "at_risk"]["health_score"].astype(float)
    assert len(mart) > 0
    assert (at_risk >= 37).all() and (at_risk < 67).all()
