"""Expansion readiness (mart_account_expansion, mart_expansion_alerts, the expansion backtest)
on the session demo book: the mart's grain and contract, the expansions found again from the raw
tables by an independent pandas implementation, planted expanders ranked higher by the score,
the alert dampers on real data, and missing sources that stay missing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.metrics import roc_auc_score

from customer_health import dbt as dbt_runner
from customer_health import expansion, loader
from customer_health.backtest import metrics
from customer_health.warehouse import Warehouse

from .conftest import copy_duckdb, duckdb_warehouse

ROOT = Path(__file__).resolve().parents[2]
VARS = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]
SEEDS = ROOT / "seeds"
MART = "marts.mart_account_expansion"
ALERTS = "marts.mart_expansion_alerts"
TIERS = pd.read_csv(SEEDS / "expansion_tiers.csv").set_index("label")
WEIGHTS = pd.read_csv(SEEDS / "expansion_weights.csv")


def contract_columns(model: str) -> list[str]:
    doc = yaml.safe_load((ROOT / "models/marts/health/_health__expansion_models.yml").read_text())
    entry = next(m for m in doc["models"] if m["name"] == model)
    return [c["name"] for c in entry["columns"]]


@pytest.fixture(scope="module")
def mart(duck_built: Warehouse) -> pd.DataFrame:
    return duck_built.query_df(f"select * from {MART}")


# ------------------------------------------------------------------ the mart


def test_one_row_per_live_account_in_contract_order(
    duck_built: Warehouse, mart: pd.DataFrame
) -> None:
    health = duck_built.query_df("select account_id, score_date from marts.mart_account_health")
    assert list(mart.columns) == contract_columns("mart_account_expansion")
    assert mart["account_id"].is_unique
    assert set(mart["account_id"]) == set(health["account_id"])
    assert set(mart["score_date"]) == set(health["score_date"])
    assert mart["expansion_score"].between(0, 100).all()
    assert set(mart["expansion_tier"]) == {"none", "watch", "ready"}
    # the current row is the last date of the score history
    current = duck_built.query_df(
        "select account_id, expansion_score from intermediate.int_expansion__scores "
        "where score_date = (select max(score_date) from marts.mart_account_health)"
    )
    merged = mart.merge(current, on="account_id", suffixes=("", "_history"))
    assert len(merged) == len(mart)
    np.testing.assert_allclose(merged["expansion_score"], merged["expansion_score_history"])
    # expansion_rank is the order to work in: ready first, 1..n per organisation
    ranked = mart.sort_values("expansion_rank")
    assert list(ranked["expansion_rank"]) == list(range(1, len(mart) + 1))
    order = ranked["expansion_tier"].map({"ready": 0, "watch": 1, "none": 2})
    assert order.is_monotonic_increasing


def test_never_ready_while_at_risk_and_every_account_has_a_reason_and_a_play(
    mart: pd.DataFrame,
) -> None:
    ready = mart[mart["expansion_tier"] == "ready"]
    assert len(ready) > 0
    assert (ready["health_final_tier"] == "healthy").all()
    assert (ready["expansion_score"] >= TIERS.loc["ready", "min_score"]).all()
    held = mart[mart["is_held_back_by_risk"].astype(bool)]
    assert (held["expansion_tier"] == "watch").all()
    assert held["health_final_tier"].isin(["at_risk", "critical"]).all()
    assert held["expansion_reason"].str.startswith("Not ready while the account is").all()
    assert (held["expansion_play"] == "fix_health_first").all()
    # a ready or watch account says why with values, and what to do
    acting = mart[mart["expansion_tier"] != "none"]
    assert acting["expansion_reason"].str.contains(r"\d").all()
    assert acting["expansion_action"].str.len().gt(20).all()
    assert acting["top_expansion_drivers"].str.contains("% of the score").all()


def test_the_expansion_score_is_point_in_time(
    duck_built: Warehouse, truncated_build: tuple
) -> None:
    """The score of a past date equals the current score of a build on the data as it stood
    that day: nothing dated later (an expansion, a new user, a ticket) reaches it."""
    day, truncated = truncated_build
    columns = "account_id, expansion_score, expansion_tier, main_driver, expansion_reason"
    full = duck_built.query_df(
        f"select {columns} from intermediate.int_expansion__scores "
        f"where score_date = date '{day.isoformat()}'"
    )
    cut = truncated.query_df(
        f"select {columns.replace('main_driver', 'main_expansion_driver')} from {MART}"
    )
    cut = cut.rename(columns={"main_expansion_driver": "main_driver"})
    assert len(full) > 100 and len(cut) == len(full)
    merged = full.merge(cut, on="account_id", suffixes=("", "_then"))
    assert len(merged) == len(full)
    np.testing.assert_allclose(
        merged["expansion_score"], merged["expansion_score_then"], rtol=0, atol=1e-9
    )
    for column in ("expansion_tier", "main_driver", "expansion_reason"):
        assert (merged[column].fillna("") == merged[f"{column}_then"].fillna("")).all(), column


def test_the_expansion_factors_pick_up_late_events_and_equal_a_full_refresh(
    duck_built: Warehouse, tmp_path: Path
) -> None:
    """int_expansion__factors is incremental on score_date: a nightly run counts a user first
    seen three days ago (an event landed late) and ends equal to a full refresh."""
    wh = copy_duckdb(duck_built, tmp_path)
    factors = "intermediate.int_expansion__factors"
    as_of = pd.Timestamp(
        wh.query_df("select max(score_date) as d from marts.mart_account_health")["d"][0]
    ).date()
    found = wh.query_df(
        f"select account_id, raw_value from {factors} where score_date = date '{as_of}' "
        "and factor_name = 'expansion_new_users_28d' and raw_value < 1 order by account_id limit 1"
    )
    account, share = str(found["account_id"][0]), float(found["raw_value"][0])
    wh.execute(
        "insert into raw_product.events (event_id, account_id, user_id, feature_key, "
        "occurred_at, org_id, _loaded_at, _is_deleted) values ('ELATE1', "
        f"'{account}', 'UNEW00001', 'dashboards', "
        f"timestamptz '{as_of - timedelta(days=3)} 10:00:00+00', null, now(), false)"
    )
    dbt_runner.run(
        ["build", "--exclude", "resource_type:test", "resource_type:unit_test"], wh, quiet=True
    )

    def snapshot() -> pd.DataFrame:
        frame = wh.query_df(f"select * from {factors}")
        return frame.sort_values(list(frame.columns)).reset_index(drop=True).astype(str)

    incremental = snapshot()
    now = wh.query_df(
        f"select raw_value from {factors} where score_date = date '{as_of}' "
        f"and factor_name = 'expansion_new_users_28d' and account_id = '{account}'"
    )
    assert float(now["raw_value"][0]) > share
    dbt_runner.run(["run", "--full-refresh", "--select", "int_expansion__factors"], wh, quiet=True)
    pd.testing.assert_frame_equal(incremental, snapshot(), obj=factors)


# ------------------------------------------------------------------ outcomes, from raw


def latest_rows(wh: Warehouse, table: str, key: str) -> pd.DataFrame:
    """The latest version of each key of a raw table, soft deletes dropped (pandas, not SQL)."""
    frame = wh.query_df(f"select * from {table}")
    frame = frame.sort_values("_loaded_at").drop_duplicates(key, keep="last")
    return frame[~frame["_is_deleted"].fillna(False).astype(bool)]


def raw_expansion_dates(wh: Warehouse) -> pd.DataFrame:
    """Expansions found again from the raw tables: won expansion opportunities, renewals won
    above their previous amount, upgrades and seat increases, each adding at least
    expansion_min_increase_share; events of an account within expansion_merge_days are one."""
    share = VARS["expansion_min_increase_share"]
    quarantined = wh.query_df("select raw_table, record_key from quarantine.quarantine")
    opps = latest_rows(wh, "raw_crm.opportunities", "opportunity_id")
    opps = opps[~opps["opportunity_id"].isin(quarantined["record_key"])]
    won = opps[opps["stage"] == "closed_won"]
    amount, previous = won["amount"].astype(float), won["previous_amount"].astype(float)
    expansions = (won["opportunity_type"] == "expansion") & (
        amount.isna() | previous.isna() | (previous <= 0) | (amount >= share * previous)
    )
    upsells = (won["opportunity_type"] == "renewal") & (previous > 0)
    upsells &= amount >= (1 + share) * previous
    events = [won.loc[expansions | upsells, ["account_id", "close_date"]]]
    changes = latest_rows(wh, "raw_billing.plan_changes", "change_id")
    changes = changes[~changes["change_id"].isin(quarantined["record_key"])]
    grows = (changes["change_type"] == "upgrade") | (
        (changes["change_type"] == "seat_change")
        & (changes["seats_after"] > changes["seats_before"])
    )
    grows &= changes["mrr_after"].astype(float) >= (1 + share) * changes["mrr_before"].astype(float)
    changed = changes[grows].assign(
        close_date=pd.to_datetime(changes["changed_at"], utc=True).dt.date
    )
    events.append(changed[["account_id", "close_date"]])
    frame = pd.concat(events, ignore_index=True)
    frame["close_date"] = pd.to_datetime(frame["close_date"])
    frame = frame.sort_values(["account_id", "close_date"])
    gap = frame.groupby("account_id")["close_date"].diff().dt.days
    starts = gap.isna() | (gap > VARS["expansion_merge_days"])
    return frame[starts].rename(columns={"close_date": "expansion_date"}).reset_index(drop=True)


@pytest.fixture(scope="module")
def raw_expansions(duck_built: Warehouse) -> pd.DataFrame:
    return raw_expansion_dates(duck_built)


def test_the_expansions_are_those_the_raw_tables_record(
    duck_built: Warehouse, raw_expansions: pd.DataFrame
) -> None:
    built = duck_built.query_df(
        "select account_id, expansion_date from intermediate.int_expansion__expansions"
    )
    built["expansion_date"] = pd.to_datetime(built["expansion_date"])
    assert len(raw_expansions) > 50
    as_pairs = set(map(tuple, raw_expansions[["account_id", "expansion_date"]].to_numpy()))
    assert as_pairs == set(map(tuple, built[["account_id", "expansion_date"]].to_numpy()))


def test_planted_expanders_score_higher_before_they_expand(
    duck_built: Warehouse, raw_expansions: pd.DataFrame
) -> None:
    """Every account scored on a reference date 13 weeks apart (with 90 days of data after it):
    those that expand in the next 90 days (from the raw tables) had higher expansion scores
    than those that did not, beyond chance (bootstrap 95% interval above 0.5)."""
    scores = duck_built.query_df(
        "select scores.account_id, scores.score_date, scores.expansion_score "
        "from intermediate.int_expansion__scores as scores "
        "inner join intermediate.int_scoring__score_dates as dates "
        "on scores.score_date = dates.score_date "
        "where dates.is_history_date and scores.expansion_score is not null"
    )
    scores["score_date"] = pd.to_datetime(scores["score_date"])
    last = scores["score_date"].max()
    epoch_days = (scores["score_date"] - pd.Timestamp("1970-01-04")).dt.days
    on_grid = (epoch_days % 91 == 0) & (scores["score_date"] <= last - pd.Timedelta(days=90))
    cases = scores[on_grid].merge(raw_expansions, on="account_id", how="left")
    ahead = (cases["expansion_date"] - cases["score_date"]).dt.days
    cases["expands"] = ahead.between(1, 90)
    labels = cases.groupby(["account_id", "score_date"], as_index=False).agg(
        expands=("expands", "max"), expansion_score=("expansion_score", "first")
    )
    y = labels["expands"].to_numpy(dtype=float)
    assert 20 <= y.sum() < len(y)
    auc = roc_auc_score(y, labels["expansion_score"])
    ranked = metrics.ranking_metrics(y, labels["expansion_score"].to_numpy(dtype=float))
    assert ranked["roc_auc"] == pytest.approx(auc)
    assert ranked["roc_auc_ci"][0] > 0.5, ranked


def test_the_expansion_backtest_ranks_expansions_above_chance(duck_built: Warehouse) -> None:
    result = expansion.run_expansion_backtest(duck_built, replicates=200)
    head = result.headline["all"]
    assert result.cases["expansions"] > 0 and result.cases["no_expansion"] > 0
    assert head["scored_expansions"] > 20
    assert head["roc_auc_ci"][0] > 0.5, head
    # every expansion is a case once per horizon, and the counts add up
    rows = expansion.load_rows(duck_built)
    assert rows.groupby("case_id")["horizon_days"].nunique().eq(len(result.horizons)).all()
    assert head["cases"] == result.cases["cases"]
    assert result.to_dict()["by_horizon"]["60"]["all"]["roc_auc"] == pytest.approx(head["roc_auc"])


# ------------------------------------------------------------------ alerts


def test_expansion_alerts_keep_the_hysteresis_cooldown_and_budget(duck_built: Warehouse) -> None:
    alerts = duck_built.query_df(f"select * from {ALERTS}")
    assert len(alerts) > 0
    assert set(alerts["alert_type"]) == {"entered_expansion_ready"}
    assert (alerts["expansion_tier"] == "ready").all()
    assert (alerts["health_final_tier"] == "healthy").all()
    margin = VARS["alert_hysteresis_margin"]
    assert (alerts["expansion_score"] >= TIERS.loc["ready", "min_score"] + margin).all()
    # cooldown: an account's alerts are more than alert_cooldown_days apart
    alerts["alert_date"] = pd.to_datetime(alerts["alert_date"])
    gaps = alerts.sort_values("alert_date").groupby("account_id")["alert_date"].diff().dt.days
    assert (gaps.dropna() > VARS["alert_cooldown_days"]).all()
    # budget: at most alert_budget_per_csm_per_week delivered per owner and week
    delivered = alerts[alerts["delivery_status"] == "deliver"]
    week = delivered["alert_date"].dt.to_period("W-SUN")
    per_week = delivered.groupby([delivered["org_id"].fillna(""), "owner_csm", week]).size()
    assert per_week.max() <= VARS["alert_budget_per_csm_per_week"]
    held = alerts[alerts["delivery_status"] == "held_back"]
    assert held["held_back_reason"].str.startswith("over the budget").all()
    # each alert is an entry into ready, with the account at or above the margin on the date
    # before too (alert_consecutive_periods dates in a row)
    history = duck_built.query_df(
        "select account_id, score_date, expansion_score, is_entered_ready "
        "from intermediate.int_expansion__alert_states"
    )
    history["score_date"] = pd.to_datetime(history["score_date"])
    entered = history[history["is_entered_ready"].astype(bool)]
    keys = set(zip(entered["account_id"], entered["score_date"], strict=True))
    assert all(k in keys for k in zip(alerts["account_id"], alerts["alert_date"], strict=True))
    history = history.sort_values(["account_id", "score_date"])
    history["previous"] = history.groupby("account_id")["expansion_score"].shift()
    before = history.merge(
        alerts[["account_id", "alert_date"]],
        left_on=["account_id", "score_date"],
        right_on=["account_id", "alert_date"],
    )
    assert (before["previous"] >= TIERS.loc["ready", "min_score"] + margin).all()


# ------------------------------------------------------------------ missing sources


@pytest.fixture(scope="module")
def no_seats_crm_or_plan_changes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """A small demo book that landed no seats, no CRM activities and no plan changes."""
    wh = duckdb_warehouse(tmp_path_factory.mktemp("expansion_missing"))
    loader.generate_and_load(wh, progress=False, accounts=60, days=240, seed=5)
    for table in ("raw_product.seats", "raw_crm.activities", "raw_billing.plan_changes"):
        wh.execute(f"delete from {table}")
    dbt_runner.run(
        ["build", "--full-refresh", "--exclude-resource-type", "unit_test"], wh, quiet=True
    )
    yield wh


def test_missing_sources_make_their_factors_missing_not_zero(
    no_seats_crm_or_plan_changes: Warehouse,
) -> None:
    wh = no_seats_crm_or_plan_changes
    factors = wh.query_df(
        "select factor_name, evidence_status, sub_score, effective_weight, segment, "
        "data_completeness, account_id, score_date "
        "from intermediate.int_expansion__factor_scores"
    )
    missing = {
        "expansion_seat_utilisation_28d",
        "expansion_sponsor_engagement_90d",
        "expansion_days_since_last_expansion",
    }
    gone = factors[factors["factor_name"].isin(missing)]
    assert set(gone["evidence_status"]) == {"source_empty"}
    assert gone["sub_score"].isna().all() and (gone["effective_weight"] == 0).all()
    # their weight went to the factors with data: the effective weights still add up to 1, and
    # the completeness is at most what the other factors weigh in the account's segment
    scored = factors.groupby(["account_id", "score_date"])["effective_weight"].sum()
    assert np.allclose(scored[scored > 0], 1.0)
    left = WEIGHTS[~WEIGHTS["factor_name"].isin(missing)].groupby("segment")["weight"].sum()
    ceiling = factors["segment"].map(left)
    assert (factors["data_completeness"] <= ceiling + 1e-9).all()
    mart = wh.query_df(f"select * from {MART}")
    assert mart["expansion_score"].notna().sum() > 20
    assert mart["seat_utilisation"].isna().all() and mart["days_since_last_expansion"].isna().all()
    assert (mart["expansion_data_completeness"] < 1).all()
    assert not mart["top_expansion_drivers"].str.contains("licensed seats|sponsor").any()
    # an account left with no signal at all has no score, and says so: never a zero
    blank = mart[mart["expansion_score"].isna()]
    assert (blank["expansion_reason"] == "No expansion signal is available for this account.").all()
    assert (blank["expansion_data_completeness"] == 0).all()
