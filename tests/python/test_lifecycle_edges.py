"""Lifecycle edge cases, each a tiny account written by hand, on both engines.

Every case is an input a real export produces and that a first version of the rules got wrong
(found by review): the models must give the status and conflicts below, and the doctor, which
re-implements the rules on the raw tables, must agree with them account by account.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from customer_health import dbt as dbt_runner
from customer_health import loader
from customer_health.doctor import diagnose
from customer_health.warehouse import Warehouse

from .conftest import duckdb_warehouse, pg_warehouse
from .test_doctor import PROJECT

AS_OF = "2026-06-30"


def _account(account_id: str, created: str, **extra: object) -> dict:
    return {
        "account_id": account_id,
        "account_name": f"Edge {account_id}",
        "segment": "smb",
        "created_date": created,
        "_loaded_at": "2026-01-01 00:00:00+00",
        **extra,
    }


def _subscription(sid: str, account_id: str, started: str, cancelled: str | None, **extra):
    return {
        "subscription_id": sid,
        "account_id": account_id,
        "plan": "team",
        "seats": 10,
        "mrr_amount": 100,
        "currency": "USD",
        "status": "cancelled" if cancelled else "active",
        "started_at": f"{started} 00:00:00+00",
        "cancelled_at": f"{cancelled} 00:00:00+00" if cancelled else None,
        "_loaded_at": "2026-01-02 00:00:00+00",
        **extra,
    }


def frames() -> dict[str, pd.DataFrame]:
    accounts = [
        # E01: CRM only, churned on the day it was created: never a customer for a day
        _account("E01", "2025-01-01", account_status="churned", churn_date="2025-01-01"),
        # E02: its only subscription started and was cancelled on the same day
        _account("E02", "2025-01-01"),
        # E03: the CRM churn is dated on the day billing began; billing still runs
        _account("E03", "2025-04-01", account_status="churned", churn_date="2025-05-01"),
        # E04: a plan switched on the same day: no contraction, one open episode
        _account("E04", "2025-01-01"),
        # E05: marked churned with no date on 2026-03-01, the same row re-exported on
        # 2026-06-29: the churn is dated 2026-03-01, not by the re-export
        _account("E05", "2025-01-01", account_status="active"),
        # E06: a CRM churn, then a new subscription 19 days later: the episode goes on
        _account("E06", "2025-01-01", account_status="churned", churn_date="2026-01-01"),
        # E07: soft-deleted, with a lost renewal while billing runs: no conflict
        _account("E07", "2025-01-01", _is_deleted=True),
        # E08: churned in 2025, and a subscription that starts after as_of_date: churned
        _account("E08", "2025-01-01"),
        # E09: live, with an add-on cancelled while the base runs: a contraction
        _account("E09", "2025-01-01"),
    ]
    # E05's later versions: churned from 2026-03-01, the same content re-exported in June
    accounts += [
        {**accounts[4], "account_status": "churned", "_loaded_at": "2026-03-01 09:00:00+00"},
        {**accounts[4], "account_status": "churned", "_loaded_at": "2026-06-29 09:00:00+00"},
    ]
    subscriptions = [
        _subscription("S-E02", "E02", "2025-03-01", "2025-03-01"),
        _subscription("S-E03", "E03", "2025-05-01", None),
        _subscription("S-E04a", "E04", "2025-01-01", "2026-03-01"),
        _subscription("S-E04b", "E04", "2026-03-01", None),
        _subscription("S-E05", "E05", "2025-01-01", None),
        _subscription("S-E06a", "E06", "2025-01-01", "2026-01-01"),
        _subscription("S-E06b", "E06", "2026-01-20", None),
        _subscription("S-E07", "E07", "2025-01-01", None),
        _subscription("S-E08a", "E08", "2025-01-01", "2025-06-01"),
        _subscription("S-E08b", "E08", "2026-09-01", None),
        _subscription("S-E09a", "E09", "2025-01-01", None),
        _subscription("S-E09b", "E09", "2025-01-01", "2026-02-01"),
    ]
    opportunities = [
        {
            "opportunity_id": "O-E07",
            "account_id": "E07",
            "opportunity_type": "renewal",
            "stage": "closed_lost",
            "close_date": "2026-01-01",
            "amount": 1200,
            "currency": "USD",
            "_loaded_at": "2026-01-02 00:00:00+00",
        }
    ]
    events = [
        {
            "event_id": f"EV-{a}",
            "account_id": a,
            "user_id": "U1",
            "feature_key": "reports",
            "occurred_at": f"{AS_OF} 10:00:00+00",
            "_loaded_at": f"{AS_OF} 12:00:00+00",
        }
        for a in ("E04", "E06", "E09")
    ]
    features = [{"feature_key": "reports", "feature_name": "Reports", "is_key_feature": True}]
    return {
        "crm.accounts": pd.DataFrame(accounts),
        "billing.subscriptions": pd.DataFrame(subscriptions),
        "crm.opportunities": pd.DataFrame(opportunities),
        "product.events": pd.DataFrame(events),
        "product.features": pd.DataFrame(features).assign(_loaded_at="2025-01-01 00:00:00+00"),
    }


EXPECTED_STATUS = {
    "E01": "churned",
    "E02": "churned",
    "E03": "churned",
    "E04": "live",
    "E05": "churned",
    "E06": "live",
    "E07": "deleted",
    "E08": "churned",
    "E09": "live",
}
EXPECTED_CONFLICTS = {
    ("E03", "billing_active_after_churn"),
    ("E03", "status_disagrees_with_billing"),
    ("E05", "billing_active_after_churn"),
    ("E05", "status_disagrees_with_billing"),
    ("E06", "churn_bridged_by_billing"),
    ("E06", "status_disagrees_with_billing"),
}


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def edges(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Warehouse]:
    tmp = tmp_path_factory.mktemp(f"edges_{request.param}")
    if request.param == "duckdb":
        wh = duckdb_warehouse(tmp)
    else:
        wh = pg_warehouse(request.getfixturevalue("pg_cluster"), "customer_health_edges")
    loader.load_frames(wh, frames())
    dbt_runner.run(
        ["build", "--select", "+int_lifecycle__conflicts", "+int_lifecycle__outcomes"]
        + ["--indirect-selection", "cautious"],
        wh,
        dbt_vars={"as_of_date": AS_OF},
        quiet=True,
    )
    yield wh


def test_each_edge_gets_its_status(edges: Warehouse) -> None:
    frame = edges.query_df(
        "select account_id, lifecycle_status from intermediate.int_lifecycle__accounts"
    )
    assert dict(zip(frame["account_id"], frame["lifecycle_status"], strict=True)) == (
        EXPECTED_STATUS
    )


def test_each_edge_gets_its_conflicts(edges: Warehouse) -> None:
    frame = edges.query_df(
        "select account_id, conflict_type from intermediate.int_lifecycle__conflicts"
    )
    assert set(zip(frame["account_id"], frame["conflict_type"], strict=True)) == (
        EXPECTED_CONFLICTS
    )


def test_a_status_is_dated_by_the_load_that_first_said_it(edges: Warehouse) -> None:
    frame = edges.query_df(
        "select churn_date from intermediate.int_lifecycle__explicit_churns "
        "where account_id = 'E05'"
    )
    assert [str(d)[:10] for d in frame["churn_date"]] == ["2026-03-01"]


def test_a_same_day_plan_switch_is_not_a_contraction(edges: Warehouse) -> None:
    frame = edges.query_df(
        "select account_id, source_record_id from intermediate.int_lifecycle__outcomes "
        "where outcome_type = 'contracted'"
    )
    assert set(zip(frame["account_id"], frame["source_record_id"], strict=True)) == {
        ("E09", "S-E09b")
    }


def test_the_doctor_agrees_with_the_models(edges: Warehouse) -> None:
    life = diagnose(edges, PROJECT, as_of_date=pd.Timestamp(AS_OF).date()).life
    statuses = dict(
        zip(life.accounts["account_id"], life.accounts["lifecycle_status"], strict=True)
    )
    assert statuses == EXPECTED_STATUS
    conflicts = set(zip(life.conflicts["account_id"], life.conflicts["conflict_type"], strict=True))
    assert conflicts == EXPECTED_CONFLICTS
    contractions = life.outcomes[life.outcomes["outcome_type"] == "contracted"]
    assert contractions["account_id"].tolist() == ["E09"]
