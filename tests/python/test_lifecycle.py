"""The account lifecycle is modelled once, and missing sources look missing.

* On the demo book: every staged account has exactly one lifecycle status with a reason, the
  mart holds exactly the accounts live today, and churns are counted per episode.
* On a book whose whole billing source is empty (both engines): finance is missing for every
  account, its weight goes to the other families, and nothing claims the invoices were paid.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from customer_health import contract, loader, report
from customer_health import dbt as dbt_runner
from customer_health.doctor import diagnose
from customer_health.warehouse import Warehouse

from .conftest import duckdb_warehouse, pg_warehouse
from .test_doctor import PROJECT

BILLING_TABLES = [t.name for t in contract.TABLES if t.source == "billing"]


def test_every_account_has_one_lifecycle_status_with_a_reason(duck_built: Warehouse) -> None:
    accounts = duck_built.query_df("select account_id from staging.stg_crm__accounts")
    lifecycle = duck_built.query_df(
        "select account_id, lifecycle_status, status_reason, is_live_today "
        "from intermediate.int_lifecycle__accounts"
    )
    assert sorted(lifecycle["account_id"]) == sorted(accounts["account_id"])
    assert lifecycle["status_reason"].notna().all()
    assert {"live", "churned", "deleted"} <= set(lifecycle["lifecycle_status"])
    mart = duck_built.query_df("select account_id from marts.mart_account_health")
    live = lifecycle.loc[lifecycle["is_live_today"].astype(bool), "account_id"]
    assert sorted(mart["account_id"]) == sorted(live)


def test_churned_accounts_left_for_the_reason_their_episode_gives(duck_built: Warehouse) -> None:
    frame = duck_built.query_df(
        """
        select accounts.account_id, accounts.lifecycle_status, accounts.status_reason,
               episodes.end_reason, episodes.churn_recorded_by, episodes.episode_end_date
        from intermediate.int_lifecycle__accounts as accounts
        inner join intermediate.int_lifecycle__episodes as episodes
            on accounts.account_id = episodes.account_id
        where accounts.lifecycle_status = 'churned'
            and episodes.episode_number = (
                select max(ended.episode_number)
                from intermediate.int_lifecycle__episodes as ended
                where ended.account_id = accounts.account_id
                    and ended.episode_end_date is not null
            )
        """
    )
    assert len(frame) > 0
    assert frame["episode_end_date"].notna().all()
    for row in frame.itertuples(index=False):
        assert str(row.episode_end_date)[:10] in row.status_reason
        if row.churn_recorded_by == "renewal_lost":
            assert "renewal was lost" in row.status_reason
        elif row.end_reason == "coverage_ended":
            assert "no subscription or contract left" in row.status_reason


def test_one_churn_outcome_per_ended_episode(duck_built: Warehouse) -> None:
    ended = duck_built.query_df(
        "select count(*) as n from intermediate.int_lifecycle__episodes "
        "where episode_end_date is not null"
    )["n"][0]
    churns = duck_built.query_df(
        "select count(*) as n from intermediate.int_lifecycle__outcomes "
        "where outcome_type = 'churned'"
    )["n"][0]
    assert ended == churns > 0


def test_crm_only_churns_are_listed_as_conflicts(duck_built: Warehouse) -> None:
    """The demo plants churns recorded only in the CRM (billing forgot to cancel): each ends
    its episode on the CRM's date, and its still-running subscription is a conflict. Where a
    contract renewed within the grace days after the churn, the episode goes on, and the
    conflict's resolution says so."""
    conflicts = duck_built.query_df(
        """
        select conflicts.account_id, conflicts.evidence, conflicts.resolution,
               episodes.episode_end_date
        from intermediate.int_lifecycle__conflicts as conflicts
        left join intermediate.int_lifecycle__episodes as episodes
            on conflicts.account_id = episodes.account_id
            and conflicts.conflict_date = episodes.episode_end_date
            and episodes.end_reason = 'explicit_churn'
        where conflicts.conflict_type = 'billing_active_after_churn'
        """
    )
    assert len(conflicts) > 0
    ended = conflicts["episode_end_date"].notna()
    assert ended.sum() > 0
    assert conflicts.loc[ended, "resolution"].str.startswith("the CRM churn ends").all()
    assert conflicts.loc[~ended, "resolution"].str.contains("continues the episode").all()
    assert conflicts["evidence"].str.contains("the CRM recorded a churn on").all()


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def no_billing(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Warehouse]:
    """A small demo book whose billing source landed no rows at all."""
    tmp = tmp_path_factory.mktemp(f"no_billing_{request.param}")
    if request.param == "duckdb":
        wh = duckdb_warehouse(tmp)
    else:
        wh = pg_warehouse(request.getfixturevalue("pg_cluster"), "customer_health_no_billing")
    loader.generate_and_load(wh, progress=False, accounts=60, days=240, seed=11)
    for name in BILLING_TABLES:
        wh.execute(f"delete from raw_billing.{name}")
    dbt_runner.run(
        ["build", "--full-refresh", "--exclude-resource-type", "unit_test"], wh, quiet=True
    )
    yield wh


def test_an_empty_billing_source_makes_finance_missing(no_billing: Warehouse) -> None:
    mart = no_billing.query_df(
        "select account_id, finance_score, usage_score, health_score, data_completeness, "
        "families_missing from marts.mart_account_health"
    )
    assert len(mart) > 20, "accounts stay live through their contracts"
    assert mart["finance_score"].isna().all()
    assert mart["health_score"].notna().all()
    assert (mart["data_completeness"] < 1).all()
    assert mart["families_missing"].str.contains("finance").all()
    evidence = no_billing.query_df(
        "select factor_name, evidence_status, count(*) as n "
        "from intermediate.int_scoring__factor_evidence "
        "where factor_name like 'finance%' group by 1, 2"
    )
    assert set(evidence["evidence_status"]) == {"source_empty"}, evidence
    assert set(evidence["factor_name"]) == {
        "finance_max_days_past_due",
        "finance_overdue_share_of_mrr",
        "finance_downgrades_90d",
        "finance_disputes_180d",
        "finance_payment_failures_90d",
    }


def test_no_invoice_is_not_scored_as_paid(no_billing: Warehouse) -> None:
    """No factor of an empty source reaches the explanations as good news."""
    factors = no_billing.query_df(
        "select count(*) as n from marts.mart_account_health_factors "
        "where factor_name like 'finance%' and sub_score is not null"
    )
    assert int(factors["n"][0]) == 0


def test_the_report_says_which_families_had_no_data(
    no_billing: Warehouse, tmp_path_factory: pytest.TempPathFactory
) -> None:
    out = tmp_path_factory.mktemp(f"no_billing_report_{no_billing.engine}") / "report.html"
    report.build_report(no_billing, out)
    assert "no data: finance" in out.read_text()


def test_the_doctor_and_the_models_agree_on_the_demo_book(duck_built: Warehouse) -> None:
    """Two implementations of the lifecycle rules, the doctor's (pandas, on the raw tables,
    before any build) and the models' (SQL), agree account by account on a generated book with
    multi-subscription accounts, contractions, reactivations and contradicting churn flags."""
    life = diagnose(duck_built, PROJECT).life
    models = duck_built.query_df(
        "select account_id, lifecycle_status, episode_count "
        "from intermediate.int_lifecycle__accounts"
    )
    doctor = life.accounts.set_index("account_id")["lifecycle_status"].to_dict()
    mismatched = {
        r.account_id: (r.lifecycle_status, doctor.get(r.account_id))
        for r in models.itertuples(index=False)
        if doctor.get(r.account_id) != r.lifecycle_status
    }
    assert not mismatched, mismatched
    outcomes = duck_built.query_df(
        "select outcome_type, count(*) as n from intermediate.int_lifecycle__outcomes "
        "where outcome_type in ('churned', 'contracted', 'reactivated') group by 1"
    )
    by_type = dict(zip(outcomes["outcome_type"], outcomes["n"].astype(int), strict=True))
    assert by_type.get("reactivated", 0) > 0 and by_type.get("contracted", 0) > 0, by_type
    summary = life.summary()
    assert summary["churned_episodes"] == by_type.get("churned", 0)
    assert summary["contractions"] == by_type["contracted"]
    assert summary["reactivations"] == by_type["reactivated"]
    conflicts = duck_built.query_df(
        "select conflict_type, count(*) as n from intermediate.int_lifecycle__conflicts group by 1"
    )
    for row in conflicts.itertuples(index=False):
        assert summary["conflicts"]["by_type"][row.conflict_type]["count"] == int(row.n)
