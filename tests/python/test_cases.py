"""Recovery cases (mart_recovery_cases) on the demo book, checked against the score history
and the outcomes they are built from, and point in time against a build on truncated data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from customer_health.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[2]
VARS = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]
CASES = "marts.mart_recovery_cases"


@pytest.fixture(scope="module")
def cases(duck_built: Warehouse) -> pd.DataFrame:
    frame = duck_built.query_df(f"select * from {CASES}")
    for column in ("opened_date", "closed_date"):
        frame[column] = pd.to_datetime(frame[column])
    return frame.sort_values(["account_id", "opened_date"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def history(duck_built: Warehouse) -> pd.DataFrame:
    """Every history row with its tier measure, and the thresholds of seeds/score_tiers.csv."""
    tiers = pd.read_csv(ROOT / "seeds" / "score_tiers.csv")
    health = tiers[tiers["scale"] == "health_tier"].set_index("label")
    measure = (
        "segment_percentile" if health["basis"].iloc[0] == "segment_percentile" else "health_score"
    )
    frame = duck_built.query_df(
        f"select history.account_id, history.score_date, history.{measure} as tier_measure, "
        "scores.score_delta_14d "
        "from marts.mart_account_health_history as history "
        "inner join intermediate.int_scoring__account_scores as scores "
        "on history.account_id = scores.account_id and history.score_date = scores.score_date "
        "where history.health_score is not null"
    )
    frame["score_date"] = pd.to_datetime(frame["score_date"])
    frame["tier_measure"] = frame["tier_measure"].astype(float)
    frame["score_delta_14d"] = frame["score_delta_14d"].astype(float)
    boundary = "healthy" if VARS["case_recovery_tier"] == "healthy" else "at_risk"
    frame.attrs["critical"] = float(health.loc["at_risk", "min_score"])
    frame.attrs["line"] = float(health.loc[boundary, "min_score"]) + VARS["case_recovery_margin"]
    return frame.sort_values(["account_id", "score_date"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def outcomes(duck_built: Warehouse) -> pd.DataFrame:
    frame = duck_built.query_df(
        "select account_id, outcome_type, outcome_date from intermediate.int_lifecycle__outcomes "
        "where outcome_type in ('renewed', 'downgraded', 'churned')"
    )
    frame["outcome_date"] = pd.to_datetime(frame["outcome_date"])
    return frame


def test_the_demo_book_has_cases_of_every_outcome(cases: pd.DataFrame) -> None:
    assert cases["case_id"].is_unique
    counts = cases["outcome"].value_counts()
    for outcome in ("recovered", "renewed", "churned", "open"):
        assert counts.get(outcome, 0) > 0, counts.to_dict()
    assert set(cases["opened_by"]) == set(VARS["case_open_rules"])


def test_every_case_opens_on_an_alert_rule_of_the_history(
    cases: pd.DataFrame, history: pd.DataFrame
) -> None:
    """entered_critical: the tier measure was below the critical threshold minus the alert
    margin on the opening date and the dates before it (alert_consecutive_periods); sharp_drop:
    the score fell alert_sharp_drop_points in 14 days. Either way, below the recovery line."""
    periods = VARS["alert_consecutive_periods"]
    below = history.attrs["critical"] - VARS["alert_hysteresis_margin"]
    by_account = dict(tuple(history.groupby("account_id")))
    for case in cases.itertuples():
        rows = by_account[case.account_id]
        upto = rows[rows["score_date"] <= case.opened_date]
        today = upto.iloc[-1]
        assert today["score_date"] == case.opened_date, case.case_id
        assert today["tier_measure"] < history.attrs["line"], case.case_id
        if case.opened_by == "entered_critical":
            assert len(upto) >= periods
            assert (upto["tier_measure"].tail(periods) < below).all(), case.case_id
        else:
            assert case.opened_by == "sharp_drop"
            assert today["score_delta_14d"] <= -VARS["alert_sharp_drop_points"], case.case_id


def test_closed_cases_have_a_reason_and_close_on_the_first_event(
    cases: pd.DataFrame, history: pd.DataFrame, outcomes: pd.DataFrame
) -> None:
    """A closed case has a close date and reason; it closed on the first recovery past the
    line (after opening), renewal won or churn (on or after opening); an open case has none."""
    line = history.attrs["line"]
    recovered_on = history[history["tier_measure"] >= line]
    closed = cases[cases["case_status"] == "closed"]
    still_open = cases[cases["case_status"] == "open"]
    assert closed["closed_date"].notna().all() and closed["close_reason"].notna().all()
    assert still_open["closed_date"].isna().all() and still_open["close_reason"].isna().all()
    assert (still_open["outcome"] == "open").all()
    end = history["score_date"].max()
    for case in cases.itertuples():
        recoveries = recovered_on[
            (recovered_on["account_id"] == case.account_id)
            & (recovered_on["score_date"] > case.opened_date)
        ]["score_date"]
        events = outcomes[
            (outcomes["account_id"] == case.account_id)
            & (outcomes["outcome_date"] >= case.opened_date)
            & (outcomes["outcome_date"] <= end)
        ]
        first = {
            "recovered": recoveries.min(),
            "renewed": events.loc[events["outcome_type"] != "churned", "outcome_date"].min(),
            "churned": events.loc[events["outcome_type"] == "churned", "outcome_date"].min(),
        }
        dates = [d for d in first.values() if pd.notna(d)]
        if case.case_status == "open":
            assert not dates, (case.case_id, first)
            continue
        assert case.closed_date == min(dates), (case.case_id, first)
        assert first[case.outcome] == case.closed_date, (case.case_id, case.outcome, first)


def test_no_account_has_overlapping_cases(cases: pd.DataFrame) -> None:
    for account_id, group in cases.groupby("account_id"):
        rows = group.sort_values("opened_date").to_dict("records")
        assert sum(r["case_status"] == "open" for r in rows) <= 1, account_id
        for before, after in zip(rows, rows[1:], strict=False):
            assert before["case_status"] == "closed", account_id
            assert after["opened_date"] > before["closed_date"], account_id


def test_portfolio_and_playbook_marts_count_the_cases(
    duck_built: Warehouse, cases: pd.DataFrame
) -> None:
    portfolio = duck_built.query_df(
        "select dimension_name, dimension_value, open_case_count from marts.mart_portfolio_health"
    )
    open_cases = cases[cases["case_status"] == "open"]
    whole = portfolio[portfolio["dimension_name"] == "all"]["open_case_count"].sum()
    assert whole == len(open_cases) > 0
    per_csm = portfolio[portfolio["dimension_name"] == "owner_csm"].set_index("dimension_value")
    # the portfolio's dimension says 'unknown' for an account without a CSM, the cases (as the
    # alerts) 'unassigned'
    for csm, count in open_cases["owner_csm"].value_counts().items():
        value = "unknown" if csm == "unassigned" else csm
        assert per_csm.loc[value, "open_case_count"] == count, csm
    playbooks = duck_built.query_df("select * from marts.rpt_case_outcomes_by_playbook")
    assert playbooks["cases_opened"].sum() == len(cases)
    assert playbooks["saves"].sum() == cases["is_save"].sum() > 0
    assert playbooks["losses"].sum() == cases["is_loss"].sum() > 0


def as_of(frame: pd.DataFrame, d: date) -> pd.DataFrame:
    """The cases opened on or before d as they stood at the end of d."""
    day = pd.Timestamp(d)
    frame = frame[pd.to_datetime(frame["opened_date"]) <= day].copy()
    closed = pd.to_datetime(frame["closed_date"])
    known = closed.notna() & (closed <= day)
    frame["outcome_as_of"] = frame["outcome"].where(known, "open")
    frame["closed_date_as_of"] = closed.where(known)
    frame["opened_date"] = pd.to_datetime(frame["opened_date"])
    columns = [
        "case_id",
        "account_id",
        "opened_date",
        "opened_by",
        "owner_csm",
        "cause",
        "playbook",
        "score_at_open",
        "outcome_as_of",
        "closed_date_as_of",
    ]
    return frame[columns].sort_values("case_id").reset_index(drop=True)


def test_cases_before_a_date_are_unchanged_by_later_data(
    duck_built: Warehouse, truncated_build: tuple[date, Warehouse]
) -> None:
    """The cases opened on or before d, and whether each was open or how it had closed at d,
    are the same on the full book and on the book truncated at d (nothing dated after d)."""
    d, truncated = truncated_build
    full = as_of(duck_built.query_df(f"select * from {CASES}"), d)
    cut = as_of(truncated.query_df(f"select * from {CASES}"), d)
    assert len(full) > 5
    assert (full["outcome_as_of"] != "open").any()
    pd.testing.assert_frame_equal(full, cut, check_dtype=False, check_exact=False, atol=1e-9)
