"""Bad input (docs/bad_input.md): every kind is quarantined with its reason, or fails clearly.

A small clean book gets every quarantinable kind planted in it (tests/python/badbook.py) and
is built once per engine; the tests then read where each planted row went. The kinds that
must stop a run (a missing column, an empty required table, unknown enumeration values, a
flood of bad rows) go through `customer-health run`'s source gate on DuckDB.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from customer_health import contract, loader, orchestrate
from customer_health import dbt as dbt_runner
from customer_health.warehouse import Warehouse

from . import badbook
from .conftest import copy_duckdb, duckdb_warehouse, pg_warehouse, run_captured

ENGINES = ["duckdb", "postgres"]


@pytest.fixture(scope="module", params=ENGINES)
def bad_built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Warehouse, badbook.Planted]]:
    """The bad book, planted and built (dbt build, tests included) on each engine."""
    if request.param == "duckdb":
        wh = duckdb_warehouse(tmp_path_factory.mktemp("bad_duck"))
    else:
        wh = pg_warehouse(request.getfixturevalue("pg_cluster"), "customer_health_bad")
    loader.generate_and_load(wh, progress=False, **badbook.BOOK)
    planted = badbook.plant(wh)
    dbt_runner.run(
        ["build", "--full-refresh", "--exclude-resource-type", "unit_test"], wh, quiet=True
    )
    yield wh, planted


def _one(wh: Warehouse, sql: str) -> pd.Series:
    frame = wh.query_df(sql)
    assert len(frame) == 1, f"expected one row, got {len(frame)}: {sql}"
    return frame.iloc[0]


@pytest.mark.parametrize("case", badbook.QUARANTINED, ids=lambda c: f"{c.reason}-{c.record_key}")
def test_planted_row_is_quarantined_with_its_reason(
    bad_built: tuple[Warehouse, badbook.Planted], case: badbook.Quarantined
) -> None:
    wh, _ = bad_built
    row = _one(
        wh,
        "select quarantine_reason, quarantine_detail from quarantine.quarantine "
        f"where raw_table = '{case.raw_table}' and record_key = '{case.record_key}'",
    )
    assert row["quarantine_reason"] == case.reason
    assert row["quarantine_detail"], "every quarantined row says what was wrong"
    source, name = case.raw_table.split(".")
    key = contract.table(source, name).key[0]
    staged = wh.query_df(
        f"select count(*) as n from staging.stg_{source}__{name} where {key} = '{case.record_key}'"
    )
    assert int(staged.iloc[0, 0]) == 0, "a quarantined row is not staged"


def test_null_empty_and_blank_keys_are_quarantined_and_counted(
    bad_built: tuple[Warehouse, badbook.Planted],
) -> None:
    wh, _ = bad_built
    row = _one(
        wh,
        "select source_versions, quarantine_detail from quarantine.quarantine "
        "where raw_table = 'product.events' and quarantine_reason = 'missing_key'",
    )
    assert int(row["source_versions"]) == 3  # null, '' and '   '
    assert "event_id" in row["quarantine_detail"]


def test_conflicting_versions_are_counted(bad_built: tuple[Warehouse, badbook.Planted]) -> None:
    wh, _ = bad_built
    row = _one(
        wh,
        "select source_versions, quarantine_detail from quarantine.quarantine "
        "where record_key = 'BAD-EV-CONFLICT'",
    )
    assert int(row["source_versions"]) == 2
    assert "same _loaded_at" in row["quarantine_detail"]


def test_identical_copies_are_staged_once(bad_built: tuple[Warehouse, badbook.Planted]) -> None:
    wh, _ = bad_built
    row = _one(
        wh, "select source_versions from staging.stg_product__events where event_id = 'BAD-EV-DUP'"
    )
    assert int(row["source_versions"]) == 2


def test_a_later_version_with_other_content_wins(
    bad_built: tuple[Warehouse, badbook.Planted],
) -> None:
    wh, _ = bad_built
    row = _one(
        wh,
        "select status, source_versions from staging.stg_billing__invoices "
        "where invoice_id = 'BAD-INV-V2'",
    )
    assert row["status"] == "paid"
    assert int(row["source_versions"]) == 2


def test_numbers_and_dates_landed_as_text_are_parsed(
    bad_built: tuple[Warehouse, badbook.Planted],
) -> None:
    wh, _ = bad_built
    row = _one(
        wh,
        "select amount_local from staging.stg_billing__invoices "
        "where invoice_id = 'BAD-INV-TEXT-OK'",
    )
    assert float(row["amount_local"]) == pytest.approx(1200.5)
    unparsed = _one(
        wh,
        "select count(*) as n, count(amount_local) as amounts, count(issued_date) as dates "
        "from staging.stg_billing__invoices",
    )
    assert int(unparsed["n"]) > 50
    assert int(unparsed["amounts"]) == int(unparsed["n"]) == int(unparsed["dates"])


def test_mixed_time_zones_become_one_utc_instant(
    bad_built: tuple[Warehouse, badbook.Planted],
) -> None:
    wh, _ = bad_built
    frame = wh.query_df(
        "select activity_id, occurred_at from staging.stg_crm__activities "
        "where activity_id like 'BAD-ACT-TZ%' order by activity_id"
    )
    assert frame["activity_id"].tolist() == ["BAD-ACT-TZ1", "BAD-ACT-TZ2", "BAD-ACT-TZ3"]
    assert {pd.Timestamp(v) for v in frame["occurred_at"]} == {pd.Timestamp("2026-03-01 08:00")}


def test_activity_after_an_account_was_deleted_is_quarantined(
    bad_built: tuple[Warehouse, badbook.Planted],
) -> None:
    wh, planted = bad_built
    deleted_at = pd.Timestamp(planted.deleted_at).tz_convert("UTC").tz_localize(None)
    quarantined = wh.query_df(
        "select raw_table, count(*) as n from quarantine.quarantine "
        f"where account_id = '{planted.deleted}' "
        "and quarantine_reason = 'activity_after_account_deleted' group by raw_table"
    )
    assert "product.events" in set(quarantined["raw_table"])
    kept = _one(
        wh,
        "select count(*) as n, max(occurred_at) as last_event from staging.stg_product__events "
        f"where account_id = '{planted.deleted}'",
    )
    assert int(kept["n"]) > 0, "activity before the deletion stays, as history"
    assert pd.Timestamp(kept["last_event"]) <= deleted_at
    in_mart = _one(
        wh,
        "select count(*) as n from marts.mart_account_health "
        f"where account_id = '{planted.deleted}'",
    )
    assert int(in_mart["n"]) == 0, "a deleted account is not scored"


def test_quotes_newlines_and_unicode_survive_to_the_mart(
    bad_built: tuple[Warehouse, badbook.Planted],
) -> None:
    wh, planted = bad_built
    staged = _one(
        wh,
        "select account_name from staging.stg_crm__accounts "
        f"where account_id = '{planted.renamed}'",
    )
    assert staged["account_name"] == badbook.AWKWARD_TEXT
    mart = _one(
        wh,
        "select account_name from marts.mart_account_health "
        f"where account_id = '{planted.renamed}'",
    )
    assert mart["account_name"] == badbook.AWKWARD_TEXT
    ticket = _one(
        wh, "select subject from staging.stg_support__tickets where ticket_id = 'BAD-TK-TEXT'"
    )
    assert ticket["subject"] == badbook.AWKWARD_TEXT


def test_zero_seats_are_quarantined(bad_built: tuple[Warehouse, badbook.Planted]) -> None:
    wh, planted = bad_built
    row = _one(
        wh,
        "select quarantine_reason from quarantine.quarantine "
        f"where raw_table = 'product.seats' and record_key = '{planted.zero_seats}|2026-01-01'",
    )
    assert row["quarantine_reason"] == "non_positive_seats"


def test_an_empty_optional_table_builds(bad_built: tuple[Warehouse, badbook.Planted]) -> None:
    wh, _ = bad_built
    assert int(wh.query_df("select count(*) from staging.stg_billing__disputes").iloc[0, 0]) == 0
    row = _one(
        wh,
        "select raw_rows, unaccounted_rows from quarantine.quarantine_reconciliation "
        "where raw_table = 'billing.disputes'",
    )
    assert int(row["raw_rows"]) == 0 and int(row["unaccounted_rows"]) == 0
    scored = _one(wh, "select count(*) as n from marts.mart_account_health")
    assert int(scored["n"]) > 0


def test_every_raw_row_is_staged_duplicated_or_quarantined(
    bad_built: tuple[Warehouse, badbook.Planted],
) -> None:
    """raw rows = staged rows + deduplicated versions + quarantined rows, for every raw table,
    with the raw and staged sides counted here, independently of the model."""
    wh, _ = bad_built
    recon = wh.query_df("select * from quarantine.quarantine_reconciliation").set_index("raw_table")
    assert len(recon) == len(contract.TABLES)
    for t in contract.TABLES:
        tid = f"{t.source}.{t.name}"
        raw = int(wh.query_df(f"select count(*) from raw_{t.source}.{t.name}").iloc[0, 0])
        staged = wh.query_df(
            f"select count(*) as n, coalesce(sum(source_versions), 0) as v "
            f"from staging.stg_{t.source}__{t.name}"
        ).iloc[0]
        quarantined = wh.query_df(
            "select coalesce(sum(source_versions), 0) as v from quarantine.quarantine "
            f"where raw_table = '{tid}'"
        ).iloc[0, 0]
        duplicates = int(staged["v"]) - int(staged["n"])
        assert raw == int(staged["n"]) + duplicates + int(quarantined), tid
        row = recon.loc[tid]
        assert int(row["raw_rows"]) == raw
        assert int(row["staged_rows"]) == int(staged["n"])
        assert int(row["duplicate_versions"]) == duplicates
        assert int(row["quarantined_rows"]) == int(quarantined)
        assert int(row["unaccounted_rows"]) == 0
    planted_tables = {c.raw_table for c in badbook.QUARANTINED}
    assert all(int(recon.loc[t, "quarantined_rows"]) > 0 for t in planted_tables)


# ----------------------------------------------------------------- kinds that stop the run
@pytest.fixture(scope="module")
def clean_book(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """The clean small book, loaded but not built: each case below plants in a copy."""
    wh = duckdb_warehouse(tmp_path_factory.mktemp("clean_book"))
    loader.generate_and_load(wh, progress=False, **badbook.BOOK)
    return wh


def _gate(clean_book: Warehouse, tmp_path: Path, *statements: str) -> tuple[int, str, dict]:
    wh = copy_duckdb(clean_book, tmp_path)
    wh.execute(*statements)
    result, output = run_captured(wh, tmp_path)
    return result.exit_code, output, result.summary


def _source_failures(summary: dict) -> list[dict]:
    return [f for s in summary["suites"] if s["phase"] == "source" for f in s["failures"]]


def test_a_missing_column_stops_the_run_and_says_what_to_do(
    clean_book: Warehouse, tmp_path: Path
) -> None:
    code, output, summary = _gate(
        clean_book, tmp_path, "alter table raw_billing.invoices drop column due_date"
    )
    assert code == orchestrate.EXIT_SOURCE_GATE
    (failure,) = [f for f in _source_failures(summary) if f.get("missing_columns")]
    assert failure["table"] == "raw_billing.invoices"
    assert failure["missing_columns"] == ["due_date"]
    assert "raw_billing.invoices [due_date]" in output
    assert "next: add the missing required column" in output
    assert summary["steps"][1]["status"] == "skipped", "dbt did not run"


def test_an_empty_required_table_stops_the_run(clean_book: Warehouse, tmp_path: Path) -> None:
    code, output, summary = _gate(clean_book, tmp_path, "delete from raw_crm.accounts")
    assert code == orchestrate.EXIT_SOURCE_GATE
    failures = [
        f
        for f in _source_failures(summary)
        if f["table"] == "raw_crm.accounts"
        and f["expectation"] == "expect_table_row_count_to_be_between"
    ]
    assert failures, summary["suites"]
    assert "the table is empty" in output


def test_unknown_enumeration_values_stop_the_run_with_a_sample_key(
    clean_book: Warehouse, tmp_path: Path
) -> None:
    code, output, summary = _gate(
        clean_book,
        tmp_path,
        badbook.clone(
            "support.tickets", "ticket_id is not null", ticket_id="'BAD-TK-P1'", priority="'p1'"
        ),
    )
    assert code == orchestrate.EXIT_SOURCE_GATE
    (failure,) = [
        f
        for f in _source_failures(summary)
        if f["table"] == "raw_support.tickets" and f["column"] == "priority"
    ]
    assert "p1" in str(failure["unexpected_sample"])
    assert "BAD-TK-P1" in str(failure["unexpected_keys"])
    assert "raw_support.tickets [priority]" in output and "BAD-TK-P1" in output
    assert "next: map these values" in output


def test_a_flood_of_bad_rows_stops_the_run_instead_of_being_quarantined(
    clean_book: Warehouse, tmp_path: Path
) -> None:
    code, _, summary = _gate(
        clean_book,
        tmp_path,
        # a tenth of all events lose their account: a broken load, not a few bad rows
        "update raw_product.events set account_id = null where event_id in "
        "(select event_id from raw_product.events order by event_id "
        "limit (select count(*) / 10 from raw_product.events))",
    )
    assert code == orchestrate.EXIT_SOURCE_GATE
    (failure,) = [
        f for f in _source_failures(summary) if f["suite"] == "source.product.events_keys"
    ]
    assert failure["column"] == "null_account_ids_share"


def test_details_name_the_value_the_same_way_on_each_engine(
    bad_built: tuple[Warehouse, badbook.Planted],
) -> None:
    wh, _ = bad_built
    details = wh.query_df(
        "select record_key, quarantine_detail from quarantine.quarantine "
        "where record_key in ('BAD-INV-NEGATIVE', 'BAD-INV-NA', 'BAD-INV-FEB30', 'BAD-TK-CSAT')"
    ).set_index("record_key")["quarantine_detail"]
    assert details["BAD-INV-NEGATIVE"] == "amount -500.00 is negative"
    assert details["BAD-INV-NA"] == 'amount "N/A" is not a number'
    assert details["BAD-INV-FEB30"] == 'issued_date "2026-02-30" is not a date'
    assert details["BAD-TK-CSAT"] == "csat_score 9 is outside 1-5"


# ----------------------------------------------------------------- real exports (issue 9)
@pytest.mark.parametrize("case", badbook.OPTIONAL_NULLS, ids=lambda c: f"{c[2]}-{c[3]}")
def test_a_null_optional_column_is_staged_not_quarantined(
    bad_built: tuple[Warehouse, badbook.Planted], case: tuple[str, str, str, str]
) -> None:
    wh, _ = bad_built
    table, key, value, column = case
    source, name = table.split(".")
    row = _one(wh, f"select {column} from staging.stg_{source}__{name} where {key} = '{value}'")
    assert pd.isna(row[column]), "the null is passed on, for intermediate to treat as missing"
    quarantined = wh.query_df(
        f"select count(*) as n from quarantine.quarantine where record_key = '{value}'"
    )
    assert int(quarantined.iloc[0, 0]) == 0


def test_a_requester_who_is_a_product_user_is_staged(
    bad_built: tuple[Warehouse, badbook.Planted],
) -> None:
    wh, _ = bad_built
    row = _one(
        wh, "select requester_id from staging.stg_support__tickets where ticket_id = 'BAD-TK-USER'"
    )
    users = wh.query_df(
        f"select count(*) as n from raw_product.events where user_id = '{row['requester_id']}'"
    )
    assert int(users.iloc[0, 0]) > 0, "the requester is a product user, not a CRM contact"


def test_activity_before_the_account_was_created_is_kept_flagged_and_counted(
    bad_built: tuple[Warehouse, badbook.Planted],
) -> None:
    wh, _ = bad_built
    for table, key, value in badbook.BEFORE_CREATED:
        source, name = table.split(".")
        row = _one(
            wh,
            f"select is_before_account_created from staging.stg_{source}__{name} "
            f"where {key} = '{value}'",
        )
        assert bool(row["is_before_account_created"]), value
    counts = orchestrate.before_account_created_counts(wh)
    assert set(counts) == {t for t, _, _ in badbook.BEFORE_CREATED}
    assert all(n >= 1 for n in counts.values()), counts
    line = orchestrate.before_account_created_line(counts)
    assert "is_before_account_created" in line and "product.events" in line
    flagged = wh.query_df(
        "select count(*) as n from staging.stg_product__events where is_before_account_created"
    )
    assert int(flagged.iloc[0, 0]) == counts["product.events"]


def test_absent_optional_columns_are_null_and_extra_columns_ignored(
    bad_built: tuple[Warehouse, badbook.Planted],
) -> None:
    wh, _ = bad_built
    row = _one(
        wh,
        "select count(*) as n, count(account_status) as statuses, count(churn_date) as churns "
        "from staging.stg_crm__accounts",
    )
    assert int(row["n"]) > 0 and int(row["statuses"]) == 0 and int(row["churns"]) == 0
    events = wh.query_df("select * from staging.stg_product__events limit 1")
    assert badbook.EXTRA_COLUMN[1] not in events.columns
    # the extra column is outside the content hash: the identical copies are still one key
    dup = _one(
        wh, "select source_versions from staging.stg_product__events where event_id = 'BAD-EV-DUP'"
    )
    assert int(dup["source_versions"]) == 2


def test_a_missing_required_column_stops_dbt_with_the_table_column_and_next_step(
    clean_book: Warehouse, tmp_path: Path
) -> None:
    wh = copy_duckdb(clean_book, tmp_path)
    wh.execute("alter table raw_billing.invoices drop column due_date")
    with pytest.raises(dbt_runner.DbtError) as failure:
        dbt_runner.run(["compile", "--select", "base_billing__invoices"], wh, quiet=True)
    message = str(failure.value)
    assert "raw_billing.invoices" in message and "due_date" in message
    assert "Next: add the column" in message


def test_a_few_bad_rows_pass_the_gate_with_notes(clean_book: Warehouse, tmp_path: Path) -> None:
    """The other side of the flood test: the planted rows are quarantined, not a gate failure;
    the absent optional columns and the empty optional table are notes."""
    wh = copy_duckdb(clean_book, tmp_path)
    badbook.plant(wh)
    from customer_health import quality

    with quality.open_project(wh, tmp_path / "gx", tmp_path / "docs") as project:
        gate = quality.validate_sources(wh, project)
    assert gate.success, [(f["table"], f["column"], f["expectation"]) for f in gate.failures]
    messages = [n["message"] for n in gate.notes]
    assert any("account_status" in m and "churn_date" in m for m in messages), messages
    assert any(m.startswith("raw_billing.disputes is empty: the finance") for m in messages)
