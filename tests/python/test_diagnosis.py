"""Techniques cross-checked, on the session's demo book: one diagnosis per live account, the
agreement columns follow from the verdicts, the disagreement mart lists accounts whose
techniques really disagree with the score, `top` marks them, the report shows them, and the
backtest's churn by agreement is recomputed here from the history, independently of the
backtest models."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from customer_health import backtest, display, report
from customer_health.backtest.agreement import GROUPS, agreement_stats, verdict_sentence
from customer_health.cli import main
from customer_health.warehouse import Warehouse

MODELS = Path(__file__).resolve().parents[2] / "models"
DIAGNOSIS = "marts.mart_account_diagnosis"
DISAGREEMENTS = "marts.mart_diagnosis_disagreements"
TECHNIQUES = ["scorecard", "trend", "anomaly", "cohort", "rule_flags", "churn_probability"]
LEVEL = {"healthy": 0, "watch": 1, "at_risk": 2, "critical": 3}
VERDICTS = [*LEVEL, "no_verdict"]
DOCUMENTED = {
    "intermediate.int_diagnosis__usage_baseline": "int_diagnosis__usage_baseline",
    "intermediate.int_diagnosis__cohort_usage": "int_diagnosis__cohort_usage",
    "intermediate.int_diagnosis__technique_verdicts": "int_diagnosis__technique_verdicts",
    "intermediate.int_diagnosis__agreement": "int_diagnosis__agreement",
    DIAGNOSIS: "mart_account_diagnosis",
    DISAGREEMENTS: "mart_diagnosis_disagreements",
    "calibration.rpt_renewal_backtest_diagnosis": "rpt_renewal_backtest_diagnosis",
}


@pytest.fixture(scope="module")
def diagnosis(duck_built: Warehouse) -> pd.DataFrame:
    return duck_built.query_df(f"select * from {DIAGNOSIS}")


def expected_agreement(frame: pd.DataFrame) -> pd.DataFrame:
    """The agreement columns recomputed from the six verdicts, as the README states the rule."""
    levels = frame[[f"{t}_verdict" for t in TECHNIQUES]].apply(lambda c: c.map(LEVEL))
    levels.columns = TECHNIQUES
    n = levels.notna().sum(axis=1)
    final = pd.Series(np.nan, index=frame.index)
    for level in (0, 1, 2, 3):  # the riskiest level that at least half reach
        final = final.mask((n > 0) & (2 * (levels >= level).sum(axis=1) >= n), level)
    risk = levels >= 2
    on_final_side = risk.eq(final >= 2, axis=0) & levels.notna()
    agree = on_final_side.sum(axis=1)
    score = levels["scorecard"]
    flagging = risk.sum(axis=1)
    disagreement = np.where(
        score.isna(),
        ((n - agree) >= 2) & ((levels.max(axis=1) - levels.min(axis=1)) >= 2),
        np.where(
            score >= 2,
            final < 2,
            (flagging >= 2) | (levels == 3).any(axis=1),
        ),
    )
    names = {v: k for k, v in LEVEL.items()}
    return pd.DataFrame(
        {
            "techniques_with_verdict": n,
            "diagnosis_agreement": agree,
            "techniques_dissenting": n - agree,
            "techniques_flagging_risk": flagging,
            "diagnosis_verdict": final.map(names).fillna("no_verdict"),
            "is_disagreement": disagreement.astype(bool),
        }
    )


def test_one_diagnosis_per_live_account_on_the_current_date(
    duck_built: Warehouse, diagnosis: pd.DataFrame
) -> None:
    health = duck_built.query_df("select account_id, score_date from marts.mart_account_health")
    assert len(diagnosis) == len(health) > 100
    assert diagnosis["account_id"].is_unique
    assert set(diagnosis["account_id"]) == set(health["account_id"])
    assert diagnosis["score_date"].nunique() == 1
    assert set(diagnosis["score_date"]) == set(health["score_date"])
    for technique in TECHNIQUES:
        assert set(diagnosis[f"{technique}_verdict"]) <= set(VERDICTS), technique
        assert diagnosis[f"{technique}_reason"].notna().all(), technique
    # without a fitted churn model (the demo build), that technique gives no verdict, and says why
    assert (diagnosis["churn_probability_verdict"] == "no_verdict").all()
    assert diagnosis["churn_probability_reason"].str.contains("calibrate").all()
    # every other technique has verdicts on the book, on more than one level
    for technique in TECHNIQUES[:-1]:
        given = diagnosis.loc[
            diagnosis[f"{technique}_verdict"] != "no_verdict", f"{technique}_verdict"
        ]
        assert given.nunique() >= 2, technique


def test_the_history_of_verdicts_has_one_row_per_account_and_score_date(
    duck_built: Warehouse,
) -> None:
    pairs = duck_built.query_df(
        "select account_id, score_date from intermediate.int_scoring__account_scores"
    )
    for model in ("int_diagnosis__technique_verdicts", "int_diagnosis__agreement"):
        rows = duck_built.query_df(f"select account_id, score_date from intermediate.{model}")
        assert not rows.duplicated().any(), model
        assert len(rows) == len(pairs), model
        merged = rows.merge(pairs, how="outer", indicator=True)
        assert (merged["_merge"] == "both").all(), model


def test_the_diagnosis_of_a_past_date_equals_a_build_on_data_truncated_at_it(
    duck_built: Warehouse, truncated_build: tuple[date, Warehouse]
) -> None:
    """Point in time: every verdict, reason and agreement column the full build holds for date
    d is what a build on the data as it stood at d says today."""
    d, truncated = truncated_build
    query = (
        "select * from intermediate.int_diagnosis__agreement "
        f"where score_date = date '{d.isoformat()}' order by account_id"
    )
    full, cut = duck_built.query_df(query), truncated.query_df(query)
    assert len(full) > 50
    assert (full["techniques_with_verdict"] >= 4).mean() > 0.5
    pd.testing.assert_frame_equal(full.astype(str), cut.astype(str))


def test_agreement_columns_follow_from_the_verdicts(duck_built: Warehouse) -> None:
    history = duck_built.query_df("select * from intermediate.int_diagnosis__agreement")
    expected = expected_agreement(history)
    for column in expected:
        assert list(history[column]) == list(expected[column]), column
    # no_verdict counts neither way: with the churn model missing, at most five vote
    assert history["techniques_with_verdict"].max() <= 5
    assert (history["diagnosis_agreement"] + history["techniques_dissenting"]).equals(
        history["techniques_with_verdict"]
    )
    # confidence: never high with a disagreement, low when fewer than three techniques vote
    assert not (history["is_disagreement"] & (history["diagnosis_confidence"] == "high")).any()
    assert (
        history.loc[history["techniques_with_verdict"] < 3, "diagnosis_confidence"] == "low"
    ).all()
    assert set(history["diagnosis_confidence"]) == {"high", "medium", "low"}


def test_the_disagreement_mart_lists_accounts_whose_techniques_disagree(
    duck_built: Warehouse, diagnosis: pd.DataFrame
) -> None:
    listed = duck_built.query_df(f"select * from {DISAGREEMENTS}")
    assert 0 < len(listed) < len(diagnosis)
    assert set(listed["account_id"]) == set(
        diagnosis.loc[diagnosis["is_disagreement"], "account_id"]
    )
    assert set(listed["disagreement_kind"]) == {"hidden_risk", "unconfirmed_risk"}
    for row in listed.itertuples(index=False):
        verdicts = {t: getattr(row, f"{t}_verdict") for t in TECHNIQUES}
        sides = {LEVEL[v] >= 2 for v in verdicts.values() if v in LEVEL}
        assert sides == {True, False}, f"{row.account_id}: {verdicts}"  # they really differ
        score_flags = LEVEL[row.scorecard_verdict] >= 2
        assert row.disagreement_kind == ("unconfirmed_risk" if score_flags else "hidden_risk")
        assert row.disagreement_summary.startswith(f"The score says {row.scorecard_verdict} (")
        # the sentence names the techniques on the other side of the score, with their reasons
        for technique, verdict in verdicts.items():
            if (
                verdict in LEVEL
                and technique != "scorecard"
                and (LEVEL[verdict] >= 2) != score_flags
            ):
                reason = getattr(row, f"{technique}_reason")
                assert f"{technique}: {reason}" in row.disagreement_summary, technique
    # the hidden risk first, then the widest disagreement
    ranked = listed.sort_values("disagreement_rank")
    assert list(ranked["disagreement_rank"]) == list(range(1, len(listed) + 1))
    hidden = (ranked["disagreement_kind"] == "hidden_risk").to_numpy()
    assert not (np.diff(hidden.astype(int)) > 0).any()
    for _, part in ranked.groupby("disagreement_kind"):
        assert part["disagreement_score"].is_monotonic_decreasing


def test_cli_top_marks_the_accounts_whose_techniques_disagree(
    duck_built: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = 40
    shown = display.accounts_needing_attention(duck_built, limit)
    disagree = set(duck_built.query_df(f"select account_id from {DISAGREEMENTS}")["account_id"])
    marked = [
        (rank, row.account_name)
        for rank, row in enumerate(shown.itertuples(index=False), start=1)
        if row.account_id in disagree
    ]
    assert 0 < len(marked) < limit
    monkeypatch.setenv("CUSTOMER_HEALTH_DUCKDB_PATH", str(duck_built.duckdb_path))
    run = CliRunner().invoke(main, ["top", "--limit", str(limit)])
    assert run.exit_code == 0, run.output
    table, _, notes = run.output.partition("⚑ Techniques disagree on")
    assert table.count("⚑") == len(marked)
    assert notes.startswith(f" {len(marked)} of these accounts")
    listed = re.findall(r"^  #(\d+) ", notes, flags=re.M)
    assert [int(rank) for rank in listed] == [rank for rank, _ in marked]
    for rank, name in marked:
        assert f"#{rank} {name}: The score says" in notes


def test_the_report_has_the_techniques_section(duck_built: Warehouse, tmp_path: Path) -> None:
    out = report.build_report(duck_built, tmp_path / "report.html").path
    html = out.read_text()
    assert 'id="diagnosis"' in html and 'id="card-disagreements"' in html
    first = duck_built.query_df(
        f"select account_name from {DISAGREEMENTS} order by disagreement_rank limit 1"
    )["account_name"][0]
    assert first.replace("&", "&amp;") in html
    assert 'id="card-agreement-backtest"' in html and "only one" in html


def test_backtest_agreement_recomputed_from_the_history(duck_built: Warehouse) -> None:
    """Churn by how many techniques flagged risk at R-60, from the renewals, the history mart
    and the verdicts, without the backtest models: the latest history date on or before the
    renewal minus 60 days, at most 14 days old, with a score."""
    result = backtest.run_backtest(duck_built, 60)
    assert result.agreement is not None
    renewals = duck_built.query_df(
        "select renewal_id, account_id, is_lost, renewal_date "
        "from intermediate.int_lifecycle__renewals"
    )
    history = duck_built.query_df(
        "select account_id, score_date from marts.mart_account_health_history "
        "where health_score is not null"
    )
    verdicts = duck_built.query_df(
        "select account_id, score_date, "
        + ", ".join(f"{t}_verdict" for t in TECHNIQUES)
        + " from intermediate.int_diagnosis__technique_verdicts"
    )
    renewals["cutoff"] = pd.to_datetime(renewals["renewal_date"]) - pd.Timedelta(days=60)
    history["score_date"] = pd.to_datetime(history["score_date"])
    verdicts["score_date"] = pd.to_datetime(verdicts["score_date"])
    pairs = renewals.merge(history, on="account_id")
    pairs = pairs[
        (pairs["score_date"] <= pairs["cutoff"])
        & (pairs["score_date"] > pairs["cutoff"] - pd.Timedelta(days=14))
    ]
    latest = pairs.sort_values("score_date").groupby("renewal_id").tail(1)
    rows = latest.merge(verdicts, on=["account_id", "score_date"], how="left")
    levels = rows[[f"{t}_verdict" for t in TECHNIQUES]].apply(lambda c: c.map(LEVEL))
    flagging = (levels >= 2).sum(axis=1)
    voting = levels.notna().sum(axis=1)
    group = np.select(
        [flagging == 0, flagging == 1, 2 * flagging >= voting], ["none", "one", "agreed"], "several"
    )
    mine = rows.assign(group=group, lost=rows["is_lost"].astype(int))
    figures = result.agreement[60]["groups"].set_index("group")
    assert figures["renewals"].sum() == len(mine) > 50
    for name in GROUPS:
        part = mine[mine["group"] == name]
        assert figures.loc[name, "renewals"] == len(part), name
        assert figures.loc[name, "lost"] == part["lost"].sum(), name
        if len(part):
            assert figures.loc[name, "churn_rate"] == pytest.approx(part["lost"].mean()), name
    # on this book, risk that several techniques agree on is lost more often than none
    assert figures.loc["agreed", "churn_rate"] > figures.loc["none", "churn_rate"]


def _documented(name: str) -> set[str]:
    for path in MODELS.rglob("*.yml"):
        for entry in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
            if entry["name"] == name:
                return {
                    column["name"]
                    for column in entry.get("columns") or []
                    if column.get("description")
                }
    raise AssertionError(f"{name} is not in any yml")


@pytest.mark.parametrize("relation", sorted(DOCUMENTED))
def test_every_diagnosis_column_is_documented(duck_built: Warehouse, relation: str) -> None:
    columns = set(duck_built.query_df(f"select * from {relation} limit 0").columns)
    assert columns == _documented(DOCUMENTED[relation])


def test_agreement_groups_and_splits_on_hand_made_rows() -> None:
    """Groups, the lone technique and the score's splits, on rows whose answers are known."""
    rows = pd.DataFrame(
        [
            # group, lone technique, score verdict, techniques flagging risk, lost
            ("agreed", None, "critical", 3, 1),
            ("agreed", None, "healthy", 2, 1),
            ("several", None, "at_risk", 2, 0),
            ("one", "scorecard", "at_risk", 1, 1),
            ("one", "anomaly", "watch", 1, 0),
            ("one", "anomaly", "healthy", 1, 0),
            ("none", None, "healthy", 0, 0),
            ("none", None, "watch", 0, 1),
        ],
        columns=[
            "risk_agreement",
            "lone_flagging_technique",
            "scorecard_verdict",
            "techniques_flagging_risk",
            "is_lost",
        ],
    ).assign(horizon_days=60, diagnosis_verdict="healthy", diagnosis_confidence="high")
    figures = agreement_stats(rows, [90, 60])
    assert list(figures) == [60]  # no row at R-90
    f = figures[60]
    groups = f["groups"].set_index("group")
    assert list(groups["renewals"]) == [2, 1, 3, 2]
    assert list(groups["lost"]) == [2, 0, 1, 1]
    assert f["agreed_over_one"] == pytest.approx(1 / (1 / 3))
    assert f["agreed_above_one"] is False  # 2 of 2 against 1 of 3: the intervals overlap
    lone = f["lone"].set_index("technique")
    assert lone.loc["anomaly", "renewals"] == 2 and lone.loc["anomaly", "lost"] == 0
    assert lone.loc["scorecard", "churn_rate"] == 1.0 and lone.loc["trend", "renewals"] == 0
    score = f["score"].set_index("split")
    assert list(score["renewals"]) == [2, 1, 1, 2, 2]
    assert list(score["lost"]) == [1, 1, 1, 0, 1]
    sentence = verdict_sentence(f, 60)
    assert "100.0% of 2 renewals lost" in sentence and "intervals overlap" in sentence
