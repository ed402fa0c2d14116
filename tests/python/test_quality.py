"""The GX suites: the source gate passes on the demo book (with its deliberate mess: spelling
variants, duplicates, soft deletes, late rows) on both engines, and fails on broken input with
the table and column named; the mart checks pass on both engines and fail when an account is
lost between staging and the mart."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from customer_health import contract, quality
from customer_health.warehouse import Warehouse, duckdb_settings

SOURCE_SUITES = {f"source.{t.source}.{t.name}" for t in contract.TABLES} | {
    "source.product.events_daily",
    "source.product.events_keys",
    "source.product.events_volume",
    "source.referential",
    "source.freshness",
}
MART_SUITES = {"mart.account_health", "mart.tier_shares", "mart.coverage"}


def copy_warehouse(wh: Warehouse, directory: Path) -> Warehouse:
    assert wh.duckdb_path is not None
    target = directory / "warehouse.duckdb"
    con = duckdb.connect(str(wh.duckdb_path), config=duckdb_settings(wh.duckdb_path))
    con.execute("checkpoint")  # dbt may still hold the file open: flush its WAL first
    con.close()
    shutil.copyfile(wh.duckdb_path, target)
    return replace(wh, duckdb_path=target)


def failures_of(phase: quality.PhaseResult, suite: str) -> list[dict]:
    return phase.suite(suite).failures


def has_failure(phase: quality.PhaseResult, suite: str, column: str, expectation: str) -> bool:
    return any(
        f["column"] == column and f["expectation"] == expectation for f in failures_of(phase, suite)
    )


@pytest.fixture(scope="module")
def duck_checked(duck_built: Warehouse, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("gx_duck")
    with quality.open_project(duck_built, root, root / "docs") as project:
        sources = quality.validate_sources(duck_built, project)
        marts = quality.validate_marts(duck_built, project)
        index = project.build_docs()
    return sources, marts, index


def test_source_gate_passes_on_the_demo_book_duckdb(duck_checked, duck_built: Warehouse) -> None:
    sources, _, index = duck_checked
    assert {s.suite for s in sources.suites} == SOURCE_SUITES
    assert sources.success, sources.failures
    assert all(s.evaluated > 0 for s in sources.suites)
    # as_of_date defaults to the latest activity date, as dbt's does
    score_date = duck_built.query_df("select max(score_date) from marts.mart_account_health")
    assert str(sources.as_of_date) == str(score_date.iloc[0, 0])[:10]
    # the big table went through a bounded sample, its key rules through the exact rollup
    events = sources.suite("source.product.events")
    rows = duck_built.query_df("select count(*) from raw_product.events").iloc[0, 0]
    if rows > quality.THRESHOLDS["sample_rows"]:
        assert "sample" in events.batch
    assert index.exists() and (index.parent / "validations").is_dir()


def test_mart_checks_pass_duckdb(duck_checked) -> None:
    _, marts, _ = duck_checked
    assert {s.suite for s in marts.suites} == MART_SUITES  # no previous run: no drift suite
    assert marts.success, marts.failures
    shares = marts.suite("mart.tier_shares").observed
    assert sum(shares.values()) == pytest.approx(1, abs=1e-3)  # rounded to 4 places
    assert marts.suite("mart.coverage").observed["missing_from_mart"] == 0


@pytest.mark.postgres
def test_source_gate_and_mart_checks_pass_on_postgres(pg_built: Warehouse, tmp_path: Path) -> None:
    with quality.open_project(pg_built, tmp_path, tmp_path / "docs") as project:
        sources = quality.validate_sources(pg_built, project)
        marts = quality.validate_marts(pg_built, project)
        project.build_docs()
    assert sources.success, sources.failures
    assert marts.success, marts.failures
    # per-table suites go through GX's SQL datasource on Postgres
    assert sources.suite("source.crm.accounts").batch.startswith("table")
    assert marts.suite("mart.account_health").batch.startswith("table")
    # the connection string is never written to the GX config, only its placeholder
    config = (tmp_path / "gx" / "great_expectations.yml").read_text()
    assert "${" + quality.PG_URL_ENV + "}" in config
    assert f":{pg_built.pg_port}/" not in config


@pytest.fixture(scope="module")
def broken(duck_built: Warehouse, tmp_path_factory: pytest.TempPathFactory):
    """A copy of the demo book with one thing broken per table, validated once."""
    directory = tmp_path_factory.mktemp("broken")
    wh = copy_warehouse(duck_built, directory)
    con = duckdb.connect(str(wh.duckdb_path), config=duckdb_settings(wh.duckdb_path))
    statements = [
        # null account keys on a tenth of the support tickets (a few would be quarantined;
        # this many is a broken load)
        "update raw_support.tickets set account_id = null where hash(ticket_id) % 10 = 0",
        # negative amounts on a tenth of the invoices
        "update raw_billing.invoices set amount = -120 where hash(invoice_id) % 10 = 0",
        # 20% orphan events
        "update raw_product.events set account_id = 'X' || account_id where hash(event_id) % 5 = 0",
        # a dropped required column
        "alter table raw_crm.contracts drop column start_date",
        # an unknown segment (not a spelling variant)
        "update raw_crm.accounts set segment = 'startup' where account_id = "
        "(select min(account_id) from raw_crm.accounts)",
        # an extra column is allowed: the contract's columns must be present, not only them
        "alter table raw_crm.contacts add column favourite_colour varchar",
        # an account lost between staging and the mart
        "delete from marts.mart_account_health where account_id = "
        "(select min(account_id) from marts.mart_account_health)",
    ]
    lost = con.execute("select min(account_id) from marts.mart_account_health").fetchone()
    for statement in statements:
        con.execute(statement)
    broken_rows = {
        "tickets": con.execute(
            "select count(*) from raw_support.tickets where account_id is null"
        ).fetchone()[0],
        "invoices": con.execute(
            "select count(*) from raw_billing.invoices where amount = -120"
        ).fetchone()[0],
    }
    con.close()
    root = directory / "gx"
    with quality.open_project(wh, root, root / "docs") as project:
        sources = quality.validate_sources(wh, project)
        late = quality.validate_sources(wh, project, sources.as_of_date + timedelta(days=30))
        marts = quality.validate_marts(wh, project)
    return sources, late, marts, lost, broken_rows


def test_gate_fails_on_null_account_keys(broken) -> None:
    sources = broken[0]
    assert not sources.success
    (failure,) = [
        f for f in failures_of(sources, "source.support.tickets") if f["column"] == "account_id"
    ]
    assert failure["table"] == "raw_support.tickets"
    assert failure["expectation"] == "expect_column_values_to_not_be_null"
    assert failure["unexpected_count"] == broken[4]["tickets"]
    assert failure["unexpected_percent"] > 100 * quality.THRESHOLDS["row_problem_share_max"]
    assert all(key["ticket_id"] for key in failure["unexpected_keys"])  # the keys, to go fix
    assert failure["next"].startswith("fill in the column")


def test_gate_fails_on_a_flood_of_negative_amounts(broken) -> None:
    (failure,) = failures_of(broken[0], "source.billing.invoices")
    assert (failure["table"], failure["column"]) == ("raw_billing.invoices", "amount")
    assert failure["expectation"] == "expect_column_values_to_be_between"
    assert failure["unexpected_count"] == broken[4]["invoices"]
    assert set(failure["unexpected_sample"]) == {-120.0}


def test_gate_fails_on_orphan_events(broken) -> None:
    failures = failures_of(broken[0], "source.referential")
    assert [(f["table"], f["column"]) for f in failures] == [("product.events", "account_id")]
    assert 0.15 < failures[0]["observed_value"] < 0.25


def test_gate_fails_on_a_dropped_column(broken) -> None:
    sources = broken[0]
    assert has_failure(
        sources, "source.crm.contracts", "start_date", "expect_table_columns_to_match_set"
    )
    missing = [f for f in failures_of(sources, "source.crm.contracts") if "missing_columns" in f]
    assert missing[0]["missing_columns"] == ["start_date"]
    assert missing[0]["table"] == "raw_crm.contracts"


def test_gate_normalises_segment_spellings_but_rejects_unknown_values(broken) -> None:
    # the demo's 5% spelling variants pass (test above); a value staging cannot map fails
    (failure,) = failures_of(broken[0], "source.crm.accounts")
    assert failure["column"] == "segment"
    assert set(failure["unexpected_sample"]) == {"startup"}


def test_gate_allows_extra_columns_and_leaves_clean_tables_alone(broken) -> None:
    sources = broken[0]
    assert sources.suite("source.crm.contacts").success
    failed = {s.suite for s in sources.suites if not s.success}
    assert failed == {
        "source.support.tickets",
        "source.billing.invoices",
        "source.referential",
        "source.crm.contracts",
        "source.crm.accounts",
    }


def test_gate_fails_on_stale_sources(broken) -> None:
    late = broken[1]
    failures = failures_of(late, "source.freshness")
    stale = {f["table"] for f in failures}
    assert "product.events" in stale and failures[0]["column"] == "_loaded_at"
    assert not late.suite("source.product.events_volume").success


def test_mart_check_names_the_lost_account(broken) -> None:
    marts, lost = broken[2], broken[3]
    (failure,) = failures_of(marts, "mart.coverage")
    assert failure["unexpected_keys"][0]["account_id"] == lost[0]
    assert marts.suite("mart.coverage").observed["missing_from_mart"] == 1


def test_tier_drift_is_a_warning_not_a_failure(duck_built: Warehouse, tmp_path: Path) -> None:
    tiers = quality.current_tiers(duck_built)
    flip = {"healthy": "at_risk", "at_risk": "critical", "critical": "healthy"}
    previous = {a: (flip[t] if i % 3 == 0 else t) for i, (a, t) in enumerate(sorted(tiers.items()))}
    with quality.open_project(duck_built, tmp_path, tmp_path / "docs") as project:
        marts = quality.validate_marts(duck_built, project, previous)
    assert marts.success
    drift = marts.suite("mart.tier_drift")
    assert drift.warnings and not drift.failures
    assert drift.observed["changed_share"] > quality.THRESHOLDS["tier_drift_max_share"]


# --------------------------------------------------------------- real exports (issue 9)
@pytest.fixture(scope="module")
def real_export(duck_built: Warehouse, tmp_path_factory: pytest.TempPathFactory):
    """A copy of the demo book shaped like a public export: no usage events, no billing
    subscriptions (nor plan changes), a crm.accounts table created before account_status was
    added to the contract, and invoices loaded two years after the data ends."""
    directory = tmp_path_factory.mktemp("real_export")
    wh = copy_warehouse(duck_built, directory)
    con = duckdb.connect(str(wh.duckdb_path), config=duckdb_settings(wh.duckdb_path))
    for statement in (
        "delete from raw_product.events",
        "delete from raw_billing.subscriptions",
        "delete from raw_billing.plan_changes",
        "alter table raw_crm.accounts drop column account_status",
        "update raw_billing.invoices set _loaded_at = _loaded_at + interval 730 day",
    ):
        con.execute(statement)
    con.close()
    root = directory / "gx"
    with quality.open_project(wh, root, root / "docs") as project:
        return quality.validate_sources(wh, project)


def test_empty_optional_tables_pass_the_gate_with_a_note(real_export) -> None:
    assert real_export.success, real_export.failures
    assert quality.REQUIRED_TABLES == {"crm.accounts"}
    messages = [n["message"] for n in real_export.notes]
    usage = [m for m in messages if m.startswith("raw_product.events is empty")]
    assert usage and "usage factors" in usage[0] and "missing" in usage[0], messages
    assert any(m.startswith("raw_billing.subscriptions is empty: the finance") for m in messages)
    # no "observed null / fill in the column" freshness failure for the empty tables
    assert not real_export.suite("source.freshness").failures
    assert "source.product.events_daily" not in {s.suite for s in real_export.suites}


def test_an_absent_optional_column_is_information_not_a_failure(real_export) -> None:
    accounts = real_export.suite("source.crm.accounts")
    assert accounts.success, accounts.failures
    (note,) = accounts.notes
    assert note["severity"] == "info" and note["column"] == "account_status"
    # the enumeration is still checked where the column exists
    assert ("crm.accounts", "account_status") in quality.ENUMS
    assert set(quality.ENUMS["crm.accounts", "account_status"]) >= {"former_customer", "canceled"}


def test_a_load_far_newer_than_the_data_warns_with_the_gap(real_export) -> None:
    freshness = real_export.suite("source.freshness")
    assert freshness.success
    (warning,) = freshness.warnings
    assert warning["table"] == "billing.invoices"
    assert warning["observed_value"] > quality.THRESHOLDS["load_after_as_of_max_days"]
    assert "days after as_of_date" in warning["message"]
    assert f"{warning['observed_value']:.0f} days" in warning["message"]


def test_failures_print_the_observed_value_next_to_the_bounds() -> None:
    tier_share = {
        "table": "marts.mart_account_health",
        "column": "share_at_risk",
        "expectation": "expect_column_values_to_be_between",
        "kwargs": {"min_value": 0.0, "max_value": 0.7},
        "element_count": 1,
        "unexpected_count": 1,
        "unexpected_percent": 100.0,
        "unexpected_sample": [0.92],
    }
    assert quality.describe_failure(tier_share) == "observed 0.92; expected between 0 and 0.7"
    mean = {
        "expectation": "expect_column_mean_to_be_between",
        "kwargs": {"min_value": 30.0, "max_value": 90.0},
        "observed_value": 24.5,
    }
    assert quality.describe_failure(mean) == "observed 24.5; expected between 30 and 90"
    rows = {
        "expectation": "expect_column_values_to_be_between",
        "kwargs": {"min_value": 0, "mostly": 0.95},
        "element_count": 1800,
        "unexpected_count": 180,
        "unexpected_percent": 10.0,
        "unexpected_sample": [-120.0],
    }
    text = quality.describe_failure(rows)
    assert "180 unexpected of 1800 rows (10.00%)" in text
    assert "expected at least 0 for at least 95% of rows" in text


def test_mart_bounds_are_read_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert quality.mart_bounds() == {}
    path = tmp_path / "bounds.yml"
    path.write_text("tier_share: {at_risk: [0.0, 0.95]}\nhealth_score_mean: [20, 90]\n")
    monkeypatch.setenv(quality.MART_BOUNDS_ENV, str(path))
    bounds = quality.mart_bounds()
    assert bounds["tier_share"] == {"at_risk": [0.0, 0.95]}
    assert quality._bound(bounds, "tier_share", "at_risk") == ((0.0, 0.95), "critical")
    assert quality._bound(bounds, "tier_share", "healthy")[1] == "warning"
    assert quality._bound(bounds, "health_score_stdev_min") == (2.0, "warning")
    path.write_text("tier_shares: {}\n")
    with pytest.raises(ValueError, match="unknown key"):
        quality.mart_bounds()


def test_distribution_checks_warn_unless_configured(duck_built: Warehouse, tmp_path: Path) -> None:
    """A book with 92% of accounts at risk (here: bounds no book meets) warns by default;
    configured, the same bound fails; a lost account always fails."""
    saved = quality.THRESHOLDS["tier_share"]
    quality.THRESHOLDS["tier_share"] = {"healthy": (0.99, 1.0), "at_risk": (0.0, 0.01)}
    try:
        with quality.open_project(duck_built, tmp_path, tmp_path / "docs") as project:
            default = quality.validate_marts(duck_built, project)
            configured = quality.validate_marts(
                duck_built, project, bounds={"tier_share": {"healthy": [0.99, 1.0]}}
            )
    finally:
        quality.THRESHOLDS["tier_share"] = saved
    assert default.success
    assert {w["column"] for w in default.suite("mart.tier_shares").warnings} == {
        "share_healthy",
        "share_at_risk",
    }
    assert not configured.success
    assert [f["column"] for f in configured.suite("mart.tier_shares").failures] == ["share_healthy"]
    assert "from intermediate.int_lifecycle__accounts" in quality.live_accounts_sql()
