"""The second foreign book goes through `customer-health run` end to end, and the lifecycle
models agree with the values worked out by hand in tests/python/foreign_book_2.py (and with the
doctor, which computes the same rules from the raw tables before any build).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pandas as pd
import pytest

from customer_health import loader, orchestrate
from customer_health.doctor import diagnose
from customer_health.warehouse import Warehouse

from . import foreign_book_2 as book
from .conftest import duckdb_warehouse, pg_warehouse, run_captured
from .test_doctor import PROJECT


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def run2(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Warehouse, orchestrate.RunResult, str, int]]:
    tmp = tmp_path_factory.mktemp(f"foreign2_{request.param}")
    if request.param == "duckdb":
        wh = duckdb_warehouse(tmp)
    else:
        wh = pg_warehouse(request.getfixturevalue("pg_cluster"), "customer_health_foreign_2")
    loader.load_frames(wh, book.frames())
    doctor_live = diagnose(wh, PROJECT).life.live  # before the build, from the raw tables
    result, output = run_captured(wh, tmp)
    yield wh, result, output, doctor_live


def _date(value: object) -> date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def test_the_run_succeeds(run2: tuple) -> None:
    _, result, output, _ = run2
    assert result.exit_code == orchestrate.EXIT_OK, output
    assert [s["status"] for s in result.summary["steps"]] == ["passed"] * 3


def test_nothing_is_quarantined(run2: tuple) -> None:
    _, result, output, _ = run2
    assert result.summary["quarantine"]["quarantined_rows"] == 0, output


def test_live_accounts(run2: tuple) -> None:
    wh, _, _, doctor_live = run2
    accounts = wh.query_df(
        "select account_id, lifecycle_status, is_live_today, episode_count "
        "from intermediate.int_lifecycle__accounts"
    )
    assert len(accounts) == len(book.ACCOUNTS)
    live = set(accounts.loc[accounts["is_live_today"].astype(bool), "account_id"])
    assert live == book.LIVE_ACCOUNTS
    status = dict(zip(accounts["account_id"], accounts["lifecycle_status"], strict=True))
    assert {a for a, s in status.items() if s == "deleted"} == book.DELETED_ACCOUNTS
    assert {a for a, s in status.items() if s == "churned"} == book.CHURNED_ACCOUNTS
    # the doctor, before the build, counted the same live accounts
    assert doctor_live == int(accounts["is_live_today"].astype(bool).sum())


def test_episodes(run2: tuple) -> None:
    wh, _, _, _ = run2
    episodes = wh.query_df(
        "select account_id, episode_number, episode_start_date, episode_end_date, end_reason, "
        "is_reactivation from intermediate.int_lifecycle__episodes"
    )
    got = {
        (r.account_id, int(r.episode_number)): (
            _date(r.episode_start_date),
            _date(r.episode_end_date),
            None if pd.isna(r.end_reason) else r.end_reason,
        )
        for r in episodes.itertuples(index=False)
    }
    assert got == book.EPISODES
    reactivations = episodes[episodes["is_reactivation"].astype(bool)]
    assert set(zip(reactivations["account_id"], reactivations["episode_number"], strict=True)) == {
        (a, n) for a, _, n in book.REACTIVATIONS
    }


def _outcomes(wh: Warehouse, kind: str) -> set[tuple]:
    frame = wh.query_df(
        "select account_id, outcome_date, arr_change_reporting "
        f"from intermediate.int_lifecycle__outcomes where outcome_type = '{kind}'"
    )
    return {
        (r.account_id, _date(r.outcome_date), round(abs(float(r.arr_change_reporting)), 2))
        for r in frame.itertuples(index=False)
    }


def test_contractions(run2: tuple) -> None:
    wh, _, _, _ = run2
    assert _outcomes(wh, "contracted") == book.CONTRACTIONS


def test_churns(run2: tuple) -> None:
    wh, _, _, _ = run2
    assert _outcomes(wh, "churned") == book.CHURNS


def test_reactivations(run2: tuple) -> None:
    wh, _, _, _ = run2
    frame = wh.query_df(
        "select account_id, outcome_date, episode_number from intermediate.int_lifecycle__outcomes "
        "where outcome_type = 'reactivated'"
    )
    got = {
        (r.account_id, _date(r.outcome_date), int(r.episode_number))
        for r in frame.itertuples(index=False)
    }
    assert got == book.REACTIVATIONS


def test_renewals(run2: tuple) -> None:
    wh, _, _, _ = run2
    frame = wh.query_df(
        "select account_id, outcome_date, outcome_type from intermediate.int_lifecycle__outcomes "
        "where outcome_type in ('renewed', 'downgraded')"
    )
    got = {
        (r.account_id, _date(r.outcome_date), r.outcome_type) for r in frame.itertuples(index=False)
    }
    assert got == book.RENEWALS


def test_conflicts(run2: tuple) -> None:
    wh, _, _, _ = run2
    frame = wh.query_df(
        "select account_id, conflict_type from intermediate.int_lifecycle__conflicts"
    )
    assert set(zip(frame["account_id"], frame["conflict_type"], strict=True)) == book.CONFLICTS


def test_finance_is_missing_for_every_live_account(run2: tuple) -> None:
    wh, _, _, _ = run2
    mart = wh.query_df(
        "select account_id, usage_score, support_score, relationship_score, finance_score, "
        "data_completeness from marts.mart_account_health"
    )
    assert set(mart["account_id"]) == book.LIVE_ACCOUNTS
    assert mart["finance_score"].isna().all()
    assert (mart["data_completeness"].astype(float) < 1).all()
    for family in ("usage", "support", "relationship"):
        assert mart[f"{family}_score"].notna().all(), family


def test_the_run_summary_counts_the_lifecycle(run2: tuple) -> None:
    _, result, output, _ = run2
    lifecycle = result.summary["lifecycle"]
    assert lifecycle["accounts"].get("live", 0) == len(book.LIVE_ACCOUNTS)
    assert sum(lifecycle["conflicts"].values()) == len(book.CONFLICTS)
    assert f"{len(book.LIVE_ACCOUNTS)} accounts live today" in output
    assert "conflicts between sources" in output
