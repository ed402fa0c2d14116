"""A foreign book, hand-written in the raw contract, goes through `customer-health run` end to end.

Nothing in it comes from our generator: two tenants, odd but legal values everywhere (see
tests/python/foreign_book.py), and four illegal rows. The run must pass its source gate, build,
pass its mart checks, reconcile every raw row, and quarantine exactly the illegal rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from customer_health import loader, orchestrate
from customer_health.warehouse import Warehouse

from . import foreign_book
from .conftest import duckdb_warehouse, pg_warehouse, run_captured


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def foreign_run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Warehouse, orchestrate.RunResult, dict, str]]:
    tmp = tmp_path_factory.mktemp(f"foreign_{request.param}")
    if request.param == "duckdb":
        wh = duckdb_warehouse(tmp)
    else:
        wh = pg_warehouse(request.getfixturevalue("pg_cluster"), "customer_health_foreign")
    frames = foreign_book.frames()
    loader.load_frames(wh, frames)
    result, output = run_captured(wh, tmp)
    yield wh, result, {k: len(v) for k, v in frames.items()}, output


def test_the_run_succeeds(foreign_run: tuple) -> None:
    _, result, _, output = foreign_run
    assert result.exit_code == orchestrate.EXIT_OK, output
    assert [s["status"] for s in result.summary["steps"]] == ["passed"] * 3


def test_every_raw_row_is_accounted_for(foreign_run: tuple) -> None:
    wh, result, counts, _ = foreign_run
    recon = wh.query_df("select * from quarantine.quarantine_reconciliation")
    assert len(recon) == len(counts) == 15
    for row in recon.itertuples(index=False):
        assert int(row.raw_rows) == counts[row.raw_table], row.raw_table
        assert int(row.unaccounted_rows) == 0, row.raw_table
        assert int(row.raw_rows) == int(row.staged_rows) + int(row.duplicate_versions) + int(
            row.quarantined_rows
        )
    assert result.summary["quarantine"]["raw_rows"] == sum(counts.values())


def test_exactly_the_illegal_rows_are_quarantined(foreign_run: tuple) -> None:
    wh, result, _, output = foreign_run
    quarantine = wh.query_df(
        "select raw_table, record_key, quarantine_reason, source_versions "
        "from quarantine.quarantine"
    )
    got = {
        (r.raw_table, r.record_key): r.quarantine_reason for r in quarantine.itertuples(index=False)
    }
    for key, reason in foreign_book.EXPECTED_QUARANTINE.items():
        assert got.get(key) == reason, key
    unexpected = {
        k: v
        for k, v in got.items()
        if k not in foreign_book.EXPECTED_QUARANTINE and not k[1].startswith("QA-INTERNAL-")
    }
    assert not unexpected, f"legal rows were quarantined: {unexpected}"
    assert set(got.values()) == set(foreign_book.EXPECTED_QUARANTINE.values())
    # 40 QA events, 2 versions of the conflicting event, 1 ticket, 1 payment
    assert int(quarantine["source_versions"].sum()) == 44
    assert result.summary["quarantine"]["quarantined_rows"] == 44
    assert "44 of" in output and "quarantined" in output


def test_odd_but_legal_values_reach_the_mart(foreign_run: tuple) -> None:
    wh, _, _, _ = foreign_run
    mart = wh.query_df(
        "select account_id, account_name, segment, org_id, health_score from "
        "marts.mart_account_health"
    ).set_index("account_id")
    live = {a[0] for a in foreign_book.ACCOUNTS if a[9] != "deleted"}
    assert set(mart.index) == live
    assert mart.loc["1001", "account_name"] == "北海道ロジスティクス株式会社"
    assert mart.loc["0044", "account_name"] == 'O\'Reilly "Heavy" Lifting GmbH'
    assert mart.loc["0049", "account_name"] == "شركة الخليج للتقنية"
    assert set(mart["segment"]) == {"enterprise", "mid_market", "smb"}
    assert set(mart["org_id"]) == {"nord", "tokyo"}
    assert mart["health_score"].between(0, 100).all()


def test_the_scores_sort_the_book_by_its_written_health(foreign_run: tuple) -> None:
    wh, _, _, _ = foreign_run
    mart = wh.query_df("select account_id, health_score from marts.mart_account_health").set_index(
        "account_id"
    )["health_score"]
    health = {a[0]: a[9] for a in foreign_book.ACCOUNTS if a[9] != "deleted"}
    mean = {
        h: mart[[a for a, v in health.items() if v == h]].astype(float).mean()
        for h in ("healthy", "at_risk", "critical")
    }
    assert mean["healthy"] > mean["at_risk"] > mean["critical"], mean


def test_yen_and_francs_are_converted(foreign_run: tuple) -> None:
    wh, _, _, _ = foreign_run
    subs = wh.query_df(
        "select s.account_id, s.currency, s.mrr_local, s.mrr_reporting, f.units_per_usd "
        "from staging.stg_billing__subscriptions as s "
        "inner join config.fx_rates as f on s.currency = f.currency_code "
        "and cast(s.started_at as date) between f.valid_from and f.valid_to "
        "where s.account_id in ('1001', '0044')"
    ).set_index("account_id")
    assert subs.loc["1001", "currency"] == "JPY"  # landed as 'jpy'
    for account in ("1001", "0044"):
        row = subs.loc[account]
        assert float(row["mrr_reporting"]) == pytest.approx(
            float(row["mrr_local"]) / float(row["units_per_usd"]), rel=1e-6
        )


def test_summary_and_docs_are_written(foreign_run: tuple) -> None:
    _, result, _, _ = foreign_run
    assert Path(result.summary_path).exists()
    assert result.data_docs is not None and Path(result.data_docs).exists()
