"""`customer-health run` end to end on a copy of the demo book: exit codes, the JSON summary,
the Data Docs, the gate keeping the previous marts when a source is broken, and the drift
warning.

The dbt build inside `run` takes most of the time, so it happens once, in the module fixture.
The later runs that only need marts to exist (drift, dbt failure, mart failure) replace the
dbt step with a stub: the marts the first run built are still there.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml
from click.testing import CliRunner, Result

from customer_health import dbt as dbt_runner
from customer_health import orchestrate, quality
from customer_health.warehouse import Warehouse, duckdb_settings

from .conftest import duckdb_warehouse

WEEK = timedelta(days=7)

# the dbt command of a nightly run on a warehouse that holds a build (unit tests are CI's)
NIGHTLY = ["build", "--exclude-resource-type", "unit_test"]

MART_FINGERPRINT = (
    "select count(*) as accounts, round(sum(health_score), 6) as score_sum, "
    "round(sum(health_score * (length(account_id) + 1)), 6) as score_checksum, "
    "string_agg(final_tier, ',' order by account_id) as tiers "
    "from marts.mart_account_health"
)


@dataclass
class Run:
    result: Result
    summary: dict
    summary_path: Path
    docs_dir: Path
    node_kinds: set[str] | None = None


def invoke(wh: Warehouse, out: Path, *args: str, **env: str) -> Run:
    summary_path, docs_dir = out / "run_summary.json", out / "data_docs"
    result = CliRunner().invoke(
        orchestrate.run_command,
        ["--target", "duckdb", "--summary", str(summary_path), "--docs-dir", str(docs_dir), *args],
        env={"CUSTOMER_HEALTH_DUCKDB_PATH": str(wh.duckdb_path), **env},
    )
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    summary = json.loads(summary_path.read_text())
    return Run(result, summary, summary_path, docs_dir)


def copy_of(wh: Warehouse, directory: Path) -> Warehouse:
    assert wh.duckdb_path is not None
    directory.mkdir(parents=True, exist_ok=True)
    copy = duckdb_warehouse(directory)
    con = duckdb.connect(str(wh.duckdb_path), config=duckdb_settings(wh.duckdb_path))
    con.execute("checkpoint")  # dbt may still hold the file open: flush its WAL first
    con.close()
    shutil.copyfile(wh.duckdb_path, copy.duckdb_path)  # type: ignore[arg-type]
    return copy


def project_vars() -> dict:
    project = yaml.safe_load((dbt_runner.project_dir() / "dbt_project.yml").read_text())
    return project["vars"]


def fingerprint(wh: Warehouse) -> tuple:
    return tuple(wh.query_df(MART_FINGERPRINT).iloc[0])


def no_dbt(monkeypatch: pytest.MonkeyPatch, kwargs: list[dict] | None = None) -> list[list[str]]:
    calls: list[list[str]] = []

    def fake(args: list[str], wh: Warehouse, **kw: object) -> None:
        calls.append(args)
        if kwargs is not None:
            kwargs.append(kw)

    monkeypatch.setattr(dbt_runner, "run", fake)
    return calls


@pytest.fixture(scope="module")
def first_run(duck_built: Warehouse, tmp_path_factory: pytest.TempPathFactory):
    """One full run (gate, dbt build, mart check) on a copy of the demo book, and the kinds of
    dbt node the build ran."""
    base = tmp_path_factory.mktemp("run")
    wh = copy_of(duck_built, base / "wh")
    # dbt's own artifacts as an orchestrator reads them after the run (conftest turns them off)
    run = invoke(wh, base / "reports", DBT_WRITE_JSON="true")
    results = json.loads((dbt_runner.target_path(wh) / "run_results.json").read_text())
    run.node_kinds = {r["unique_id"].split(".")[0] for r in results["results"]}
    return wh, run


def test_run_ok(first_run) -> None:
    _, run = first_run
    assert run.result.exit_code == 0, run.result.output
    summary = run.summary
    assert summary["status"] == "ok" and summary["exit_code"] == 0
    assert [s["name"] for s in summary["steps"]] == ["source_gate", "dbt_build", "mart_check"]
    assert all(s["status"] == "passed" and s["seconds"] >= 0 for s in summary["steps"])
    assert summary["as_of_date"] == summary["score_date"]
    assert summary["warehouse"]["engine"] == "duckdb"
    # the copy holds a build: a nightly run, whose unit tests are CI's (DECISIONLOG 49)
    assert summary["dbt_tests"] == "data tests on the rows this run rewrote; unit tests left to CI"
    assert run.node_kinds is not None
    assert {"model", "test", "seed", "snapshot"} <= run.node_kinds
    assert "unit_test" not in run.node_kinds
    phases = {s["phase"] for s in summary["suites"]}
    assert phases == {"source", "mart"} and all(s["success"] for s in summary["suites"])
    assert summary["drift"]["status"] == "skipped"  # first run: nothing to compare with
    docs = Path(summary["data_docs"])
    assert docs == run.docs_dir.resolve() / "index.html" and docs.exists()
    assert "source.crm.accounts" in docs.read_text()
    # the tiers of this run are kept for the next run's drift check
    record = json.loads(orchestrate.tiers_record_path(run.summary_path).read_text())
    assert len(record["tiers"]) == fingerprint(first_run[0])[0]
    # activity before account creation is counted and printed (the demo book has none)
    assert summary["before_account_created"] == {
        "product.events": 0,
        "support.tickets": 0,
        "crm.activities": 0,
    }
    assert "Activity before account creation: none." in run.result.output
    # progress per step, and where things went
    output = run.result.output
    assert "[1/3]" in output and "[3/3]" in output
    assert str(run.summary_path.resolve()) in output and str(docs) in output


def test_broken_source_stops_before_dbt_and_keeps_the_marts(first_run, tmp_path: Path) -> None:
    wh = copy_of(first_run[0], tmp_path / "wh")  # marts from the first run
    before = fingerprint(wh)
    con = duckdb.connect(str(wh.duckdb_path), config=duckdb_settings(wh.duckdb_path))
    # a status no billing system has: a single such row fails the gate (a few negative
    # amounts would only be quarantined, see docs/bad_input.md)
    con.execute(
        "update raw_billing.invoices set status = 'bogus' where invoice_id = "
        "(select min(invoice_id) from raw_billing.invoices)"
    )
    # a change that would alter the marts if dbt ran
    con.execute("update raw_crm.accounts set _is_deleted = true where account_id < 'A000050'")
    con.close()

    run = invoke(wh, tmp_path / "reports")

    assert run.result.exit_code == orchestrate.EXIT_SOURCE_GATE == 10
    assert run.summary["status"] == "source_gate_failed"
    assert [(s["name"], s["status"]) for s in run.summary["steps"]] == [
        ("source_gate", "failed"),
        ("dbt_build", "skipped"),
        ("mart_check", "skipped"),
    ]
    assert fingerprint(wh) == before
    (suite,) = [s for s in run.summary["suites"] if not s["success"]]
    assert suite["suite"] == "source.billing.invoices"
    (failure,) = suite["failures"]
    assert (failure["table"], failure["column"]) == ("raw_billing.invoices", "status")
    assert failure["unexpected_keys"][0]["invoice_id"]
    assert "raw_billing.invoices [status]" in run.result.output
    assert "next:" in run.result.output
    assert Path(run.summary["data_docs"]).exists()  # the failing suite is in the Data Docs


def test_drift_warning_when_many_tiers_changed(
    first_run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wh, first = first_run
    out = tmp_path / "reports"
    out.mkdir()
    record_path = orchestrate.tiers_record_path(out / "run_summary.json")
    record = json.loads(orchestrate.tiers_record_path(first.summary_path).read_text())
    flip = {"healthy": "critical", "at_risk": "healthy", "critical": "at_risk"}
    for i, account in enumerate(sorted(record["tiers"])):
        if i % 2 == 0:
            record["tiers"][account] = flip[record["tiers"][account]]
    record_path.write_text(json.dumps(record))
    calls = no_dbt(monkeypatch)

    run = invoke(wh, out)

    assert calls == [NIGHTLY]
    assert run.result.exit_code == 0, run.result.output  # a warning is not a failure
    drift = run.summary["drift"]
    assert drift["status"] == "warning"
    assert drift["changed_share"] == pytest.approx(0.5, abs=0.01)
    assert drift["threshold"] == quality.THRESHOLDS["tier_drift_max_share"]
    assert drift["sample_changed_accounts"][0]["account_id"]
    assert run.summary["warnings"] == [drift["message"]]
    assert "WARNING" in run.result.output
    # the record now holds this run's tiers
    assert json.loads(record_path.read_text())["tiers"] == quality.current_tiers(wh)


def test_dbt_failure_exits_20(first_run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(args, wh, **kw):
        raise dbt_runner.DbtError("dbt build failed on test: model.x: boom")

    monkeypatch.setattr(dbt_runner, "run", failing)
    run = invoke(first_run[0], tmp_path)
    assert run.result.exit_code == orchestrate.EXIT_DBT_BUILD == 20
    assert run.summary["status"] == "dbt_build_failed"
    assert "boom" in run.summary["message"]
    assert [s["status"] for s in run.summary["steps"]] == ["passed", "failed", "skipped"]


def test_a_distribution_outside_its_default_bounds_only_warns(
    first_run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The public book had 92% of accounts at risk: a default (demo-sized) bound warns."""
    no_dbt(monkeypatch)
    monkeypatch.setitem(quality.THRESHOLDS, "tier_share", {"healthy": (0.99, 1.0)})
    run = invoke(first_run[0], tmp_path)
    assert run.result.exit_code == 0, run.result.output
    (warning,) = [w for w in run.summary["warnings"] if "mart.tier_shares" in w]
    assert "[share_healthy]: observed 0." in warning
    assert "expected between 0.99 and 1" in warning and "CUSTOMER_HEALTH_MART_BOUNDS" in warning
    assert "WARNING: mart.tier_shares" in run.result.output


def test_mart_check_failure_exits_30(
    first_run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_dbt(monkeypatch)
    bounds = tmp_path / "bounds.yml"
    bounds.write_text("tier_share:\n  healthy: [0.99, 1.0]\n")
    run = invoke(first_run[0], tmp_path, "--mart-bounds", str(bounds))
    assert run.result.exit_code == orchestrate.EXIT_MART_CHECK == 30
    assert run.summary["status"] == "mart_check_failed"
    assert run.summary["mart_bounds"] == {"tier_share": {"healthy": [0.99, 1.0]}}
    (suite,) = [s for s in run.summary["suites"] if not s["success"]]
    assert suite["suite"] == "mart.tier_shares"
    assert suite["failures"][0]["column"] == "share_healthy"
    # the observed share is printed next to the rule and its bounds
    assert "[share_healthy]: expect_column_values_to_be_between: observed 0." in run.result.output
    assert "expected between 0.99 and 1" in run.result.output
    # a failed check does not become the baseline for the next drift check
    assert not orchestrate.tiers_record_path(run.summary_path).exists()


def test_vars_reach_dbt_and_set_the_gates_as_of_date(
    first_run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kwargs: list[dict] = []
    no_dbt(monkeypatch, kwargs)
    score_date = first_run[1].summary["score_date"]
    run = invoke(
        first_run[0], tmp_path, "--vars", f"{{as_of_date: {score_date}, score_grain: day}}"
    )
    assert run.result.exit_code == 0, run.result.output
    assert kwargs[0]["dbt_vars"] == {
        "as_of_date": score_date,
        "score_grain": "day",
        "tests_on_recent_rows": True,  # the warehouse holds a build (DECISIONLOG 49)
    }
    assert run.summary["as_of_date"] == score_date
    assert run.summary["as_of_date_source"] == "option"


def test_vars_that_disagree_with_as_of_date_cannot_start(tmp_path: Path, first_run) -> None:
    run = invoke(
        first_run[0],
        tmp_path,
        "--as-of-date",
        "2026-01-01",
        "--vars",
        "{as_of_date: 2026-02-01}",
    )
    assert run.result.exit_code == orchestrate.EXIT_CANNOT_START
    assert "disagree" in run.summary["message"]


def test_build_passes_vars_to_dbt_and_prints_early_activity(
    first_run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from customer_health.cli import main

    kwargs: list[dict] = []
    calls = no_dbt(monkeypatch, kwargs)
    result = CliRunner().invoke(
        main,
        ["build", "--target", "duckdb", "--vars", '{"score_grain": "week"}'],
        env={"CUSTOMER_HEALTH_DUCKDB_PATH": str(first_run[0].duckdb_path)},
    )
    assert result.exit_code == 0, result.output
    assert calls == [["build"]] and kwargs[0]["dbt_vars"] == {"score_grain": "week"}
    assert "Activity before account creation: none." in result.output
    bad = CliRunner().invoke(main, ["build", "--target", "duckdb", "--vars", "[1, 2]"])
    assert bad.exit_code == 2 and "must be a mapping" in bad.output


def test_the_first_build_a_failed_night_a_gap_and_all_tests_test_everything(
    tmp_path: Path, first_run
) -> None:
    empty = duckdb_warehouse(tmp_path)
    duckdb.connect(str(empty.duckdb_path)).close()
    args, dbt_vars, said = orchestrate.nightly_build(empty, {"score_grain": "day"})
    assert args == NIGHTLY and dbt_vars == {"score_grain": "day"}
    assert said == "data tests on whole tables (first build); unit tests left to CI"
    wh = first_run[0]
    scored = date.fromisoformat(first_run[1].summary["score_date"])
    # the night after the last build: its rows
    assert orchestrate.nightly_build(wh, None, as_of=scored + timedelta(days=1))[:2] == (
        NIGHTLY,
        {"tests_on_recent_rows": True},
    )
    # nights were missed: the window would not reach back to them
    args, dbt_vars, said = orchestrate.nightly_build(wh, {"as_of_date": str(scored + WEEK)})
    assert args == NIGHTLY and "tests_on_recent_rows" not in dbt_vars
    assert said.startswith(f"data tests on whole tables (the last build scored {scored}: 7 days")
    # the previous run failed: its bad rows may have left the window
    failed = orchestrate.nightly_build(wh, None, as_of=scored, previous_failed=True)
    assert "tests_on_recent_rows" not in failed[1] and "previous run failed" in failed[2]
    assert orchestrate.nightly_build(wh, {"a": 1}, all_tests=True)[:2] == (["build"], {"a": 1})


def test_a_failed_run_makes_the_next_one_test_everything(first_run, tmp_path: Path) -> None:
    summary = tmp_path / "run_summary.json"
    assert not orchestrate.previous_run_failed(summary)  # none yet
    summary.write_text(json.dumps({"exit_code": orchestrate.EXIT_DBT_BUILD}))
    assert orchestrate.previous_run_failed(summary)
    summary.write_text(json.dumps({"exit_code": orchestrate.EXIT_SOURCE_GATE}))
    assert not orchestrate.previous_run_failed(summary)  # dbt did not run: nothing was written


def test_a_nightly_tests_the_rows_it_rewrote_and_all_tests_every_row(
    first_run, tmp_path: Path
) -> None:
    """Planted: a duplicate at the oldest score date (outside the rows a nightly rewrites), a
    duplicate event day at the window's first day (inside), factor evidence without a date, and
    an old copy of a recent event's key. The nightly finds all but the first; --all-tests
    finds all four."""
    wh = copy_of(first_run[0], tmp_path / "wh")
    scores, days = "intermediate.int_scoring__factor_scores", "intermediate.int_usage__user_days"
    events = "staging.base_product__events"
    evidence = "intermediate.int_scoring__factor_evidence"
    lookback = int(project_vars()["events_lookback_days"])
    wh.execute(
        f"insert into {scores} select * from {scores} "
        f"where score_date = (select min(score_date) from {scores}) limit 1",
        f"insert into {days} select * from {days} where event_date = (select "
        f"max(event_date) - interval {lookback} day from {days}) limit 1",
        f"create temp table undated as select * from {evidence} limit 1",
        "update undated set score_date = null",
        f"insert into {evidence} select * from undated",
        f"create temp table old_copy as select * from {events} "
        f"where loaded_at = (select max(loaded_at) from {events}) limit 1",
        "update old_copy set loaded_at = loaded_at - interval 400 day",
        f"insert into {events} select * from old_copy",
    )
    planted = {
        "int_scoring__factor_scores": "unique_combination_of_columns",
        "int_usage__user_days": "unique_combination_of_columns",
        "base_product__events": "unique",
    }
    select = [f"{model},test_name:{name}" for model, name in planted.items()]
    select.append("int_scoring__factor_evidence,test_name:not_null")

    def failing(dbt_vars: dict) -> set[str]:
        result = dbt_runner.run(
            ["test", "--select", *select], wh, dbt_vars=dbt_vars, quiet=True, check=False
        )
        ran = {r.node.name: str(r.status) for r in result.result.results}
        assert "not_null_int_scoring__factor_evidence_score_date" in ran, ran
        return {name for name, status in ran.items() if status == "fail"}

    nightly = failing(orchestrate.nightly_build(wh, None)[1])
    every_row = failing(orchestrate.nightly_build(wh, None, all_tests=True)[1])
    found_at_night = {model for model in planted if any(model in name for name in nightly)}
    assert found_at_night == {"int_usage__user_days", "base_product__events"}, nightly
    assert "not_null_int_scoring__factor_evidence_score_date" in nightly
    assert {model for model in planted if any(model in name for name in every_row)} == set(planted)
    assert nightly < every_row


def test_calibrate_says_when_the_proposal_changes_nothing() -> None:
    """(calibrate's summary message; kept here, with the other printed messages.)"""
    from customer_health import calibrate

    def metrics(before: float, after: float) -> dict:
        return {
            "all": {
                "current": {"roc_auc": before, "roc_auc_within_segments": None},
                "proposed": {"roc_auc": after, "roc_auc_within_segments": None},
            }
        }

    (same,) = calibrate._warnings(metrics(0.50104, 0.50098))
    assert "does not change" in same and "0.501 before and after" in same
    assert "worse" not in same
    (worse,) = calibrate._warnings(metrics(0.62, 0.55))
    assert "ranks churners worse" in worse and "0.620 -> 0.550" in worse


def test_cannot_start_without_a_warehouse(tmp_path: Path) -> None:
    wh = duckdb_warehouse(tmp_path / "nowhere")
    run = invoke(wh, tmp_path / "reports")
    assert run.result.exit_code == orchestrate.EXIT_CANNOT_START == 2
    assert run.summary["status"] == "cannot_start" and run.summary["next"]
    assert not (tmp_path / "nowhere" / "warehouse.duckdb").exists()


def test_a_second_run_started_meanwhile_fails_clearly_and_changes_nothing(
    first_run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs at once: the second one does not wait, it fails at once (exit 2) and says
    another run is in progress; the marts are untouched and dbt is never called."""
    dbt_calls = no_dbt(monkeypatch)
    wh = copy_of(first_run[0], tmp_path / "wh")
    before = fingerprint(wh)
    held = orchestrate.RunLock.acquire(wh)  # the first run, still going
    assert held is not None
    try:
        second = invoke(wh, tmp_path / "out")
    finally:
        held.release()
    assert second.result.exit_code == orchestrate.EXIT_CANNOT_START
    assert "another `customer-health run` is in progress" in second.summary["message"]
    assert dbt_calls == []
    assert fingerprint(wh) == before
    # once the first run has finished, the lock is free again
    again = orchestrate.RunLock.acquire(wh)
    assert again is not None
    again.release()


@pytest.mark.postgres
def test_postgres_run_lock_is_an_advisory_lock(pg_built: Warehouse) -> None:
    held = orchestrate.RunLock.acquire(pg_built)
    assert held is not None
    try:
        assert orchestrate.RunLock.acquire(pg_built) is None
    finally:
        held.release()
    again = orchestrate.RunLock.acquire(pg_built)
    assert again is not None
    again.release()
