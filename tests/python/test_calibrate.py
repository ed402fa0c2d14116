"""Calibration on renewals: the out-of-time split, the non-negative fit, the refusal that
protects the user, the churn probability seed, and apply + build.

Two kinds of book:
- synthetic renewal books (:mod:`.calibration_book`) whose truth is known: one factor drives
  the outcome and the current weights all but ignore it (the proposal must win and be
  written), or the current score is the truth (no proposal can win: nothing is written);
- the demo book built by dbt (``duck_built``): the real tables, the score recomputed as dbt
  computes it, the split, and the refusal of a book too young to calibrate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from customer_health import calibrate
from customer_health.calibration import data, fit, probability, proposal, scoring, split
from customer_health.cli import main
from customer_health.dbt import project_dir
from customer_health.warehouse import Warehouse

from . import calibration_book as book

ROOT = project_dir()
SEEDS = ROOT / "seeds"


def seeds_fingerprint() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in SEEDS.glob("*.csv")}


def invoke(wh: Warehouse, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.setenv("CUSTOMER_HEALTH_DUCKDB_PATH", str(wh.duckdb_path))
    return CliRunner().invoke(main, ["calibrate", "--target", "duckdb", *args])


def flat(run: Result) -> str:
    """What the command printed, on one line (the terminal summary wraps long lines)."""
    return " ".join(run.output.split())


# ----------------------------------------------------------------------------- synthetic books


@pytest.fixture(scope="session")
def scrambled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Warehouse, Path]:
    """One factor drives the outcome; the weights in force all but ignore it."""
    where = tmp_path_factory.mktemp("scrambled")
    wh = book.synthetic_book(where / "book.duckdb", "factor", book.scrambled_weights())
    return wh, where


@pytest.fixture(scope="session")
def truthful(tmp_path_factory: pytest.TempPathFactory) -> tuple[Warehouse, Path]:
    """The current score is the truth: no re-weighting can rank lost renewals better."""
    where = tmp_path_factory.mktemp("truthful")
    wh = book.synthetic_book(where / "book.duckdb", "score", book.seed_weights())
    return wh, where


@pytest.fixture(scope="session")
def proposed(scrambled: tuple[Warehouse, Path]) -> calibrate.CalibrationResult:
    wh, where = scrambled
    return calibrate.run_calibration(
        wh, output_dir=where / "proposed", json_path=where / "calibration.json"
    )


# ----------------------------------------------------------------------------- the split


def renewal_frame(seed: int = 0, accounts: int = 400) -> pd.DataFrame:
    """Accounts renewing yearly (a few twice a year), over three years."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(accounts):
        first = dt.date(2023, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365)))
        step = 182 if a % 10 == 0 else 365
        for k in range(int(rng.integers(1, 4))):
            rows.append(
                {
                    "renewal_id": f"R{a}-{k}",
                    "account_id": f"A{a}",
                    "segment": ("smb", "enterprise")[a % 2],
                    "lost": int(rng.random() < 0.2),
                    "renewal_date": first + dt.timedelta(days=k * step),
                }
            )
    frame = pd.DataFrame(rows).sort_values(["renewal_date", "renewal_id"])
    return frame.reset_index(drop=True)


@pytest.mark.parametrize("horizon", [7, 60, 90])
def test_split_is_out_of_time_with_a_gap_and_no_account_on_both_sides(horizon: int) -> None:
    frame = renewal_frame()
    cut = split.split_renewals(frame, horizon)
    dates = frame["renewal_date"]
    train, validation = frame.iloc[cut.train], frame.iloc[cut.validation]
    assert len(train) and len(validation)
    # out of time, with at least one horizon between the last training and first validation
    assert train["renewal_date"].max() + dt.timedelta(days=horizon) <= cut.validation_start
    assert validation["renewal_date"].min() == cut.validation_start
    # validation is every renewal from its first date on: the latest ~35%
    assert set(cut.validation) == set(np.flatnonzero(dates >= cut.validation_start))
    assert 0.33 <= len(validation) / len(frame) <= 0.40
    # no account on both sides
    assert set(train["account_id"]).isdisjoint(validation["account_id"])
    assert cut.dropped_shared_accounts > 0
    # everything accounted for
    assert len(train) + len(validation) + cut.dropped_in_gap + cut.dropped_shared_accounts == len(
        frame
    )


def test_training_weights_restore_the_mix_the_account_rule_skews() -> None:
    frame = renewal_frame(seed=3)
    cut = split.split_renewals(frame, 60)
    weights = split.training_weights(frame, cut)
    assert weights.mean() == pytest.approx(1.0)
    train, eligible = frame.iloc[cut.train], frame.iloc[cut.eligible]
    for segment in ("smb", "enterprise"):
        rows = (train["segment"] == segment).to_numpy()
        weighted = np.average(train["lost"].to_numpy()[rows], weights=weights[rows])
        before = eligible.loc[eligible["segment"] == segment, "lost"].mean()
        assert weighted == pytest.approx(before)


def test_thin_sides_are_refused_with_what_is_missing() -> None:
    frame = renewal_frame(accounts=60)
    cut = split.split_renewals(frame, 60)
    with pytest.raises(data.NotEnoughHistory) as refused:
        split.check_split(cut, frame["lost"].to_numpy(), len(frame))
    message = str(refused.value)
    assert "at least 30 lost and 30 kept are needed" in message
    assert "--horizon" in message and "The current weights stay in force" in message


# ----------------------------------------------------------------------------- the fit


def test_the_fit_is_non_negative_and_recovers_a_planted_factor() -> None:
    rng = np.random.default_rng(5)
    n = 6000
    x = rng.random((n, 5))
    # factor 0 drives the outcome; factor 1 protects (a negative effect the bounds forbid);
    # factors 2-4 are noise
    logit = -3.0 + 6.0 * x[:, 0] - 2.0 * x[:, 1]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    intercept, coef = fit.fit_constrained_logistic(x, y, penalty=3.0)
    assert (coef >= 0).all()
    assert coef[0] > 4.0  # a little under 6: the protective factor it cannot use is omitted
    assert coef[1] == 0.0
    assert coef[2:].max() < 0.05 * coef[0]
    layout = fit.Layout(["a", "b", "c", "d", "e"], dict.fromkeys("abcde", "usage"), ("usage",))
    weights, _ = fit.factor_weights(coef, layout, dict.fromkeys("abcde", 0.2))
    assert weights["a"] >= 0.9 and weights["b"] == 0.01
    assert round(sum(weights.values()), 9) == 1.0


def test_segments_are_shrunk_towards_the_global_fit_by_their_lost_renewals() -> None:
    rng = np.random.default_rng(2)
    n = 4000
    x = rng.random((n, 2))
    segment = np.where(np.arange(n) < 3000, "big", "small")
    # big: factor 0 drives; small: factor 1 drives, but with few lost renewals
    logit = np.where(segment == "big", -3 + 6 * x[:, 0], -6 + 5 * x[:, 1])
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    fitted = fit.fit_factors(x, y, segment, ["f0", "f1"], ["big", "small"], 30.0, penalty=1.0)
    small_lost = fitted.segments["small"]["training_lost"]
    assert fitted.segments["small"]["own_share"] == pytest.approx(small_lost / (small_lost + 30))
    assert fitted.segments["big"]["own_share"] > 0.9
    assert (fitted.segment_coef["small"] >= 0).all()
    # the small segment sits between its own signal and the global one
    assert fitted.segment_coef["small"][1] > fitted.global_coef[1]
    assert fitted.segment_coef["small"][0] > 0.3 * fitted.global_coef[0]


def test_rounded_shares_sum_exactly_and_respect_the_floor() -> None:
    for shares in (
        {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3, "d": 0.0},
        {"a": 0.9999, "b": 0.0001, "c": 0.0, "d": 0.0},
        {"a": 0.0, "b": 0.0},
    ):
        rounded = fit.round_shares(shares)
        assert sum(round(v * 100) for v in rounded.values()) == 100
        assert min(rounded.values()) >= 0.01
        assert all(round(v, 2) == v for v in rounded.values())


# ----------------------------------------------------------------------------- the decision


def test_a_better_proposal_is_written_and_sums_to_one(
    proposed: calibrate.CalibrationResult, scrambled: tuple[Warehouse, Path]
) -> None:
    _, where = scrambled
    decision = proposed.decision
    print(f"\nscrambled book: {proposed.message}")
    assert proposed.status == "proposed" and proposed.exit_code == 0
    assert decision["interval"][0] > 0 and decision["replicates"] >= 500
    assert decision["auc_proposed"] > decision["auc_current"] + 0.2
    weights = pd.read_csv(where / "proposed" / "segment_weights.csv")
    assert list(weights.columns) == ["segment", "family", "weight"]
    assert (weights["weight"] >= 0.01).all()
    for segment, rows in weights.groupby("segment"):
        assert round(rows["weight"].sum(), 9) == 1.0, segment
        assert rows.set_index("family")["weight"].idxmax() == "usage", segment
    catalogue = pd.read_csv(where / "proposed" / "factor_catalogue.csv", keep_default_na=False)
    seed = pd.read_csv(SEEDS / "factor_catalogue.csv", keep_default_na=False)
    assert list(catalogue.columns) == list(seed.columns)
    pd.testing.assert_frame_equal(
        catalogue.drop(columns="factor_weight"), seed.drop(columns="factor_weight")
    )
    for family, rows in catalogue.groupby("family"):
        assert round(rows["factor_weight"].sum(), 9) == 1.0, family
    usage = catalogue[catalogue["family"] == "usage"].set_index("factor_name")["factor_weight"]
    assert usage.idxmax() == book.DRIVER and usage[book.DRIVER] >= 0.7
    assert json.loads((where / "calibration.json").read_text())["status"] == "proposed"
    assert (where / "proposed" / "PROPOSAL.md").read_text().count("proposed") >= 1


def test_a_proposal_that_is_not_better_writes_nothing_and_exits_4(
    truthful: tuple[Warehouse, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wh, _ = truthful
    out, json_path = tmp_path / "proposed", tmp_path / "cal.json"
    out.mkdir()
    (out / "segment_weights.csv").write_text("a stale proposal of an earlier run\n")
    before = seeds_fingerprint()
    run = invoke(wh, monkeypatch, "--output-dir", str(out), "--json", str(json_path))
    print(f"\ntruthful book: {flat(run).split('Decision: ')[1][:240]}")
    assert run.exit_code == 4, run.output
    assert "no proposal: not better out of time" in flat(run)
    assert "Decision: not_better" in flat(run) and "95% interval" in flat(run)
    saved = json.loads(json_path.read_text())
    assert saved["status"] == "not_better"
    assert saved["decision"]["interval"][0] <= 0
    # no weights proposal (the stale one is gone); the probability model is still written
    assert sorted(p.name for p in out.iterdir()) == [proposal.PROBABILITY_FILE]
    assert seeds_fingerprint() == before


def test_apply_copies_what_the_run_wrote(
    truthful: tuple[Warehouse, Path], scrambled: tuple[Warehouse, Path], tmp_path: Path
) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name in (*proposal.WEIGHT_FILES, proposal.PROBABILITY_FILE):
        shutil.copyfile(SEEDS / name, seeds / name)
    before = seeds_fingerprint()
    kept = calibrate.run_calibration(
        truthful[0], output_dir=tmp_path / "a", apply=True, seeds_dir=seeds
    )
    assert kept.status == "not_better"
    assert kept.files["applied_to"] == [str(seeds / proposal.PROBABILITY_FILE)]
    for name in proposal.WEIGHT_FILES:
        assert (seeds / name).read_bytes() == (SEEDS / name).read_bytes()
    better = calibrate.run_calibration(
        scrambled[0], output_dir=tmp_path / "b", apply=True, seeds_dir=seeds
    )
    assert better.status == "proposed"
    assert sorted(better.files["applied_to"]) == sorted(
        str(seeds / n) for n in (*proposal.WEIGHT_FILES, proposal.PROBABILITY_FILE)
    )
    for name in (*proposal.WEIGHT_FILES, proposal.PROBABILITY_FILE):
        assert (seeds / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert seeds_fingerprint() == before  # the project's seeds are untouched


def test_the_cli_writes_a_better_proposal_and_exits_0(
    scrambled: tuple[Warehouse, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wh, _ = scrambled
    out, json_path = tmp_path / "proposed", tmp_path / "cal.json"
    before = seeds_fingerprint()
    run = invoke(wh, monkeypatch, "--output-dir", str(out), "--json", str(json_path))
    assert run.exit_code == 0, run.output
    for text in ("Decision: proposed", "Train ", "validate ", "ROC AUC", "Reliability"):
        assert text in flat(run), text
    assert str(out) in flat(run) and str(json_path) in flat(run)
    assert {p.name for p in out.iterdir()} == set(proposal.ALL_FILES)
    assert seeds_fingerprint() == before


# ----------------------------------------------------------------------------- probability


def test_the_probability_file_has_51_replicates_per_segment_with_non_negative_slopes(
    proposed: calibrate.CalibrationResult, scrambled: tuple[Warehouse, Path]
) -> None:
    _, where = scrambled
    model = pd.read_csv(where / "proposed" / proposal.PROBABILITY_FILE)
    assert tuple(model.columns) == probability.COLUMNS
    assert set(model["segment"]) == {"all", *book.SEGMENTS}
    for segment, rows in model.groupby("segment"):
        assert sorted(rows["replicate"]) == list(range(51)), segment
    assert (model["slope"] >= 0).all()
    assert (model["weights_version"] == book.VERSION).all()
    assert (model["horizon_days"] == 60).all()
    assert (model["fitted_on"] == proposed.split["train_end"]).all()
    fits = model[model["replicate"] == 0].set_index("segment")
    assert fits.loc["all", "renewals"] == proposed.split["train_renewals"]
    assert fits.loc["all", "lost"] == proposed.split["train_lost"]
    for segment in book.SEGMENTS:
        assert fits.loc[segment, "renewals"] == proposed.segments[segment]["training_renewals"]
    assert model.groupby("replicate")["intercept"].nunique().iloc[1:].min() > 1


def test_the_probability_is_reliable_out_of_time(truthful: tuple[Warehouse, Path]) -> None:
    """On a book where the score is the truth, the Platt probability matches what happens."""
    result = calibrate.run_calibration(truthful[0])
    prob = result.probability
    deciles = prob["reliability"]
    print(
        f"\ntruthful book: Brier {prob['brier']:.4f} (base rate {prob['brier_base_rate']:.4f}); "
        + ", ".join(f"{d['mean_predicted']:.2f}/{d['observed']:.2f}" for d in deciles)
    )
    assert [d["decile"] for d in deciles] == list(range(1, 11))
    assert sum(d["renewals"] for d in deciles) == result.split["validation_renewals"]
    assert sum(d["lost"] for d in deciles) == result.split["validation_lost"]
    assert prob["brier"] < prob["brier_base_rate"]
    predicted = np.array([d["mean_predicted"] for d in deciles])
    observed = np.array([d["observed"] for d in deciles])
    assert (np.diff(predicted) >= 0).all()
    assert np.abs(predicted - observed).mean() < 0.05


# ----------------------------------------------------------------------------- the demo book


def test_the_recomputed_score_reproduces_the_dbt_score(duck_built: Warehouse) -> None:
    """The preview of a proposal scores exactly as dbt does: with the weights in force it
    gives back every renewal's health_score and today's."""
    loaded = data.load_book(duck_built, 60)
    family_of = dict(zip(loaded.catalogue["factor_name"], loaded.catalogue["family"], strict=True))
    weights = dict(
        zip(loaded.catalogue["factor_name"], loaded.catalogue["factor_weight"], strict=True)
    )
    for subs, frame in (
        (loaded.sub_scores, loaded.renewals),
        (loaded.today_sub_scores, loaded.today),
    ):
        assert subs is not None and frame is not None and len(frame) > 50
        score = scoring.recompute_score(
            subs, frame["segment"], weights, family_of, loaded.segment_weights
        )
        np.testing.assert_allclose(score, frame["health_score"], atol=1e-4)


def test_a_young_book_is_refused_with_exit_3(
    duck_built: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 240-account test book has too few lost renewals: the split is measured and shown,
    nothing is proposed, and the message says what is missing and what to do."""
    out, json_path = tmp_path / "proposed", tmp_path / "cal.json"
    run = invoke(duck_built, monkeypatch, "--output-dir", str(out), "--json", str(json_path))
    assert run.exit_code == 3, run.output
    assert "Not enough renewal history to calibrate at R-60" in flat(run)
    assert "lost and" in flat(run) and "--horizon" in flat(run)
    saved = json.loads(json_path.read_text())
    assert saved["status"] == "refused"
    cut = saved["split"]
    assert cut["unit"] == "renewal" and cut["gap_days"] >= 60
    assert dt.date.fromisoformat(cut["train_end"]) < dt.date.fromisoformat(cut["validation_start"])
    assert not [p for p in out.iterdir() if p.name in proposal.WEIGHT_FILES]


def test_the_report_of_a_young_book_shows_the_refusal(
    duck_built: Warehouse, tmp_path: Path
) -> None:
    from customer_health import report

    result = report.build_report(duck_built, tmp_path / "report.html")
    html = " ".join((tmp_path / "report.html").read_text(encoding="utf-8").split())
    assert result.calibration_status == "refused"
    assert "Not enough renewal history to calibrate at R-60" in html
    assert 'id="chart-roc"' not in html


def test_an_unknown_horizon_is_refused_with_the_known_ones(
    duck_built: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = invoke(duck_built, monkeypatch, "--horizon", "45", "--json", str(tmp_path / "c.json"))
    assert run.exit_code == 3, run.output
    assert "No renewal is backtested at R-45 days" in flat(run)
    assert "[7, 30, 60, 90]" in flat(run)


def test_the_header_only_probability_seed_loads(duck_built: Warehouse) -> None:
    assert (SEEDS / proposal.PROBABILITY_FILE).read_text().strip() == ",".join(probability.COLUMNS)
    columns = duck_built.query_df(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'config' and table_name = 'churn_probability_model' "
        "order by ordinal_position"
    )
    assert dict(zip(columns["column_name"], columns["data_type"], strict=True)) == {
        "weights_version": "VARCHAR",
        "segment": "VARCHAR",
        "replicate": "INTEGER",
        "intercept": "DOUBLE",
        "slope": "DOUBLE",
        "horizon_days": "INTEGER",
        "renewals": "INTEGER",
        "lost": "INTEGER",
        "fitted_on": "DATE",
    }
    count = duck_built.query_df("select count(*) as n from config.churn_probability_model")
    assert int(count["n"].iloc[0]) == 0


def test_dbt_ignores_the_proposal_folder() -> None:
    assert "seeds/proposed/" in (ROOT / ".dbtignore").read_text().splitlines()


def test_an_applied_proposal_builds(
    proposed: calibrate.CalibrationResult, scrambled: tuple[Warehouse, Path], tmp_path: Path
) -> None:
    """`calibrate --apply` then `dbt build` passes with a real proposal (factor weights on the
    0.01 floor, every family weight moved, 204 probability rows); no unit test reads weights or
    cut-offs from the live seeds (the tiers are moved too)."""
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
    _, where = scrambled
    names = (*proposal.WEIGHT_FILES, proposal.PROBABILITY_FILE)
    proposal.apply_proposal(where / "proposed", project / "seeds", names)
    tiers = pd.read_csv(SEEDS / "score_tiers.csv")
    tiers.loc[(tiers["min_score"] > 0) & (tiers["min_score"] < 100), "min_score"] -= 3
    tiers.loc[tiers["max_score"] < 100, "max_score"] -= 3
    tiers.to_csv(project / "seeds" / "score_tiers.csv", index=False)
    catalogue = pd.read_csv(project / "seeds" / "factor_catalogue.csv")
    assert (catalogue["factor_weight"] == 0.01).any()

    wh = duckdb_warehouse(tmp_path)
    loader.generate_and_load(wh, progress=False, accounts=40, days=200, seed=5)
    result = dbt_runner.run(["build", "--full-refresh"], wh, quiet=True, project=project)
    assert result.success
    loaded = wh.query_df("select factor_name, factor_weight from config.factor_catalogue")
    assert (
        dict(zip(loaded["factor_name"], loaded["factor_weight"].astype(float), strict=True))
        == (proposed.factor_weights["proposed"])
    )
    rows = wh.query_df("select count(*) as n from config.churn_probability_model")
    assert int(rows["n"].iloc[0]) == 51 * (len(book.SEGMENTS) + 1)
    mart = wh.query_df(
        "select health_score, segment_percentile, health_tier from marts.mart_account_health"
    )
    basis = tiers.loc[tiers["label"] == "at_risk", "basis"].iloc[0]
    low, high = tiers.loc[tiers["label"] == "at_risk", ["min_score", "max_score"]].iloc[0]
    measure = "segment_percentile" if basis == "segment_percentile" else "health_score"
    at_risk = mart.loc[mart["health_tier"] == "at_risk", measure].astype(float)
    assert len(mart) > 0 and len(at_risk) > 0
    assert (at_risk >= low).all() and (at_risk < high).all()


@pytest.mark.postgres
def test_postgres_gives_the_same_calibration_as_duckdb(
    pg_built: Warehouse, duck_built: Warehouse
) -> None:
    pg, duck = calibrate.run_calibration(pg_built), calibrate.run_calibration(duck_built)
    assert pg.status == duck.status
    assert pg.split == duck.split
    assert pg.message == duck.message
    assert pg.history_source_rows == duck.history_source_rows
