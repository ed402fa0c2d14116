"""Recovery cases (mart_recovery_cases) on the demo book, checked against the score history
and the outcomes they are built from, point in time against a build on truncated data, and
incremental against a full refresh."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
import yaml

from customer_health import dbt as dbt_runner
from customer_health.warehouse import Warehouse

from .conftest import copy_duckdb

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


# The incremental runs below rebuild only the cases model, on a copy of the demo book whose
# inputs are changed in place: the nightly chain upstream is test_hardening.py's.
STATES = "intermediate.int_scoring__alert_states"
HISTORY = "marts.mart_account_health_history"
SCORE_DATES = "intermediate.int_scoring__score_dates"
OUTCOMES = "intermediate.int_lifecycle__outcomes"


def cases_in(wh: Warehouse) -> pd.DataFrame:
    frame = wh.query_df(f"select * from {CASES}")
    return frame.sort_values("case_id").reset_index(drop=True).astype(str)


def build_cases(wh: Warehouse, *flags: str) -> pd.DataFrame:
    dbt_runner.run(["run", "--select", "mart_recovery_cases", *flags], wh, quiet=True)
    return cases_in(wh)


def as_of_date(wh: Warehouse) -> date:
    return pd.Timestamp(
        wh.query_df(f"select max(score_date) as d from {SCORE_DATES}")["d"][0]
    ).date()


def spans_hold_no_outcome(group: pd.DataFrame, outcomes: pd.DataFrame) -> bool:
    """No renewal or churn of the account falls within one of its cases (opening to closing)."""
    dates = outcomes.loc[outcomes["account_id"] == group.name, "outcome_date"]
    return not any(
        ((dates >= c.opened_date) & (dates <= c.closed_date)).any() for c in group.itertuples()
    )


def untouched_accounts(cases: pd.DataFrame, outcomes: pd.DataFrame, before: date) -> pd.Series:
    """Accounts whose every case recovered before ``before``, with no renewal or churn within
    one: an incremental run whose window starts after that has no reason to recompute them."""
    closed = cases.groupby("account_id").filter(
        lambda g: (
            (g["outcome"] == "recovered").all() and g["closed_date"].max() < pd.Timestamp(before)
        )
    )
    quiet = closed.groupby("account_id").filter(lambda g: spans_hold_no_outcome(g, outcomes))
    return quiet["account_id"].drop_duplicates().sort_values()


def test_a_case_open_at_the_last_run_closes_when_later_scores_arrive(
    duck_built: Warehouse, cases: pd.DataFrame, outcomes: pd.DataFrame, tmp_path: Path
) -> None:
    """The cases are built as of a date d (the scores after d not there yet) and a case is open
    on d. The later scores arrive and an incremental run closes it on its recovery date, and
    opens and closes the cases after d: every case equals the full build's. The cases of an
    account nothing touched were left as they were (a planted value survives the run)."""
    lookback = VARS["history_lookback_days"]
    end = as_of_date(duck_built)
    days = sorted(
        pd.to_datetime(
            duck_built.query_df(f"select distinct score_date from {HISTORY}")["score_date"]
        )
    )
    recovered = cases[cases["outcome"] == "recovered"]
    d, case = None, None
    for day in reversed([t for t in days if t <= pd.Timestamp(end - timedelta(days=2 * lookback))]):
        spanning = recovered[(recovered["opened_date"] <= day) & (recovered["closed_date"] > day)]
        if len(spanning):
            d, case = day.date(), spanning.iloc[0]
            break
    assert case is not None, "no recovered case spans a date two windows before the end"
    quiet = untouched_accounts(cases, outcomes, d - timedelta(days=lookback + 7))
    assert len(quiet), "no account to leave alone"
    canary = quiet.iloc[0]

    wh = copy_duckdb(duck_built, tmp_path)
    for table in (STATES, HISTORY, SCORE_DATES):
        wh.execute(
            f"create table {table}_later as select * from {table} where score_date > date '{d}'",
            f"delete from {table} where score_date > date '{d}'",
        )
    as_of_d = build_cases(wh, "--full-refresh").set_index("case_id")
    assert as_of_d.loc[case.case_id, "outcome"] == "open"
    wh.execute(f"update {CASES} set recommended_action = 'CANARY' where account_id = '{canary}'")
    for table in (STATES, HISTORY, SCORE_DATES):
        wh.execute(f"insert into {table} select * from {table}_later", f"drop table {table}_later")

    incremental = build_cases(wh)
    planted = incremental["account_id"] == canary
    assert planted.any() and (incremental.loc[planted, "recommended_action"] == "CANARY").all(), (
        "the incremental run rewrote the cases of an account it had no reason to touch"
    )
    full = cases_in(duck_built)
    action = full.set_index("case_id")["recommended_action"]
    incremental.loc[planted, "recommended_action"] = incremental["case_id"][planted].map(action)
    pd.testing.assert_frame_equal(incremental, full)
    closed = incremental.set_index("case_id").loc[case.case_id]
    assert (closed["outcome"], closed["closed_date"]) == ("recovered", str(case.closed_date.date()))


def test_a_renewal_or_churn_recorded_late_changes_old_cases_incrementally(
    duck_built: Warehouse, cases: pd.DataFrame, outcomes: pd.DataFrame, tmp_path: Path
) -> None:
    """Two outcomes dated long before the window an incremental run recomputes arrive late:
    a renewal won the day after a case opened closes that case on that day (renewed), and a
    churn the day before an account's only case opened ends its scores there, so the case is
    gone. The incremental run gives what a full refresh gives on the same inputs."""
    end = as_of_date(duck_built)
    quiet = untouched_accounts(
        cases, outcomes, end - timedelta(days=VARS["history_lookback_days"] + 7)
    )
    candidates = cases[cases["account_id"].isin(quiet) & (cases["days_open"] >= 2)]
    case_counts = cases["account_id"].value_counts()
    single = candidates[candidates["account_id"].map(case_counts) == 1]
    assert len(candidates) >= 2 and len(single), "too few old recovered cases on the demo book"
    churned = single.iloc[0]
    renewed = candidates[candidates["account_id"] != churned.account_id].iloc[0]
    renewal_date = (renewed.opened_date + timedelta(days=1)).date()
    churn_date = (churned.opened_date - timedelta(days=1)).date()

    wh = copy_duckdb(duck_built, tmp_path)
    wh.execute(
        *(
            f"delete from {table} where account_id = '{churned.account_id}' "
            f"and score_date > date '{churn_date}'"
            for table in (STATES, HISTORY)
        ),
        *(
            f"insert into {OUTCOMES} select * replace ('{account}' as account_id, "
            f"'LATE-{kind}' as outcome_id, 'LATE-{kind}' as source_record_id, "
            f"'{kind}' as outcome_type, '{recorded_by}' as recorded_by, "
            f"date '{day}' as outcome_date) from {OUTCOMES} limit 1"
            for account, kind, recorded_by, day in (
                (renewed.account_id, "renewed", "renewal_opportunity", renewal_date),
                (churned.account_id, "churned", "crm_churn_date", churn_date),
            )
        ),
    )
    incremental = build_cases(wh)
    rows = incremental.set_index("case_id")
    assert (rows.loc[renewed.case_id, "outcome"], rows.loc[renewed.case_id, "closed_date"]) == (
        "renewed",
        str(renewal_date),
    )
    assert churned.case_id not in rows.index
    pd.testing.assert_frame_equal(incremental, build_cases(wh, "--full-refresh"))
