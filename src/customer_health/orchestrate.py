"""`customer-health run`: the one command an orchestrator schedules.

1. **Source gate.** Validate the raw sources with Great Expectations. If the gate fails, stop:
   dbt does not run, so the marts of the previous run stay as they were.
2. **dbt build.** Seeds, models, snapshots and data tests (:func:`nightly_build`): on a
   warehouse that holds a build, the tests of the large incremental tables check the rows this
   run rewrote; unit tests are CI's (``--all-tests`` runs both whole).
3. **Mart check.** Validate the marts (distributions, coverage) and compare the tiers with the
   previous run (drift: a warning, never a failure).
4. **Summary.** Write a JSON summary, and the GX Data Docs.

Exit codes (see ``docs/operations.md``): 0 ok (warnings included), 10 source gate failed,
20 dbt build failed, 30 mart check failed, 2 the run could not start (options, connection),
1 unexpected error.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click

from customer_health import dbt as dbt_runner
from customer_health import identity, quality
from customer_health import shapes as shapes_mod
from customer_health.warehouse import ENGINES, Warehouse

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CANNOT_START = 2
EXIT_SOURCE_GATE = 10
EXIT_DBT_BUILD = 20
EXIT_MART_CHECK = 30

STATUS = {
    EXIT_OK: "ok",
    EXIT_ERROR: "error",
    EXIT_CANNOT_START: "cannot_start",
    EXIT_SOURCE_GATE: "source_gate_failed",
    EXIT_DBT_BUILD: "dbt_build_failed",
    EXIT_MART_CHECK: "mart_check_failed",
}

SHOWN_FAILURES = 10  # failing expectations printed to the terminal (the summary has them all)


def tiers_record_path(summary_path: Path) -> Path:
    """Where the last successful run's tiers are kept: next to the summary."""
    return summary_path.with_name(summary_path.stem + ".last_tiers.json")


def gx_root(summary_path: Path) -> Path:
    """The GX file context (suites, checkpoints, stored results): ``gx/`` next to the summary."""
    return summary_path.parent


@dataclass
class RunResult:
    exit_code: int
    summary: dict[str, Any]
    summary_path: Path
    data_docs: Path | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return STATUS[self.exit_code]


class _Steps:
    """Per-step timing and status, printed as it goes."""

    def __init__(self, echo: Callable[..., None], total: int) -> None:
        self.echo = echo
        self.total = total
        self.items: list[dict[str, Any]] = []
        self._started = 0.0

    def start(self, name: str, text: str) -> None:
        self._started = time.perf_counter()
        self.echo(f"[{len(self.items) + 1}/{self.total}] {text}")
        self.items.append({"name": name, "status": "running"})

    def finish(self, status: str, detail: str = "") -> None:
        seconds = round(time.perf_counter() - self._started, 2)
        self.items[-1].update(status=status, seconds=seconds)
        if detail:
            self.items[-1]["detail"] = detail
        colour = {"passed": "green", "failed": "red", "error": "red"}.get(status)
        self.echo(
            click.style(f"      {status}", fg=colour) + f" ({seconds:.1f}s) {detail}".rstrip()
        )

    def skip(self, name: str, reason: str) -> None:
        self.items.append({"name": name, "status": "skipped", "seconds": 0.0, "detail": reason})


def resolve_vars(
    as_of_date: date | None, dbt_vars: dict[str, Any] | None
) -> tuple[date | None, dict[str, Any]]:
    """The as_of_date the gate, dbt and the mart check share, and the vars passed to dbt:
    ``--as-of-date`` and ``as_of_date`` in ``--vars`` are the same setting (they must agree)."""
    merged = dict(dbt_vars or {})
    if merged.get("as_of_date") not in (None, ""):
        try:
            from_vars = date.fromisoformat(str(merged["as_of_date"])[:10])
        except ValueError:
            raise ValueError(
                f"as_of_date {merged['as_of_date']!r} in --vars is not a date (YYYY-MM-DD)"
            ) from None
        if as_of_date is not None and as_of_date != from_vars:
            raise ValueError(
                f"--as-of-date {as_of_date} and as_of_date {from_vars} in --vars disagree"
            )
        as_of_date = from_vars
    if as_of_date is not None:
        merged["as_of_date"] = as_of_date.isoformat()
    return as_of_date, merged


# the mart whose score date says what the warehouse's last build scored
BUILT_MARKER = "marts.mart_account_health"
WHOLE = "data tests on whole tables ({why}); unit tests left to CI"


def nightly_build(
    wh: Warehouse,
    dbt_vars: dict[str, Any] | None,
    *,
    all_tests: bool = False,
    as_of: date | None = None,
    previous_failed: bool = False,
) -> tuple[list[str], dict[str, Any], str]:
    """The dbt command of a scheduled run: (args, vars, what it tests, in words).

    Unit tests, which check the SQL's logic on fixed inputs and not the data, are left to CI.
    When the previous night went well, the data tests of the models with a meta test_window
    (the large incremental tables) check only the rows this run rewrites (the var
    tests_on_recent_rows, macros/tests/get_where_subquery.sql; DECISIONLOG 49). Every row is
    tested on the first build, after a failed run (``previous_failed``: its bad rows would
    leave the window untested), when the last build scored a date more than a day before
    ``as_of`` (the window would miss the nights between), and with ``all_tests``, which runs
    the unit tests too."""
    merged = dict(dbt_vars or {})
    if all_tests:
        return ["build"], merged, "every test, whole tables"
    args = ["build", "--exclude-resource-type", "unit_test"]
    try:
        frame = wh.query_df(f"select max(score_date) as d from {BUILT_MARKER}")
        last = frame["d"][0]
        last_scored = None if last is None or str(last) in ("NaT", "nan") else _as_date(last)
    except Exception:  # no build yet
        return args, merged, WHOLE.format(why="first build")
    if previous_failed:
        return args, merged, WHOLE.format(why="the previous run failed")
    if as_of is None and merged.get("as_of_date"):
        as_of = date.fromisoformat(str(merged["as_of_date"])[:10])
    if last_scored is None or (as_of is not None and (as_of - last_scored).days > 1):
        gap = f"{(as_of - last_scored).days} days" if as_of and last_scored else "an empty mart"
        return args, merged, WHOLE.format(why=f"the last build scored {last_scored}: {gap}")
    merged.setdefault("tests_on_recent_rows", True)
    return args, merged, "data tests on the rows this run rewrote; unit tests left to CI"


def _as_date(value: Any) -> date:
    import pandas as pd

    return pd.Timestamp(value).date()


def previous_run_failed(summary_path: Path) -> bool:
    """Whether the run that last wrote ``summary_path`` ended in a dbt build or mart check
    failure (a gate failure left dbt unrun: its marts are the night before's)."""
    try:
        previous = json.loads(summary_path.read_text())
    except (OSError, ValueError):
        return False
    return previous.get("exit_code") in (EXIT_DBT_BUILD, EXIT_MART_CHECK, EXIT_ERROR)


def parse_vars(text: str | None) -> dict[str, Any]:
    """``--vars`` as dbt takes it: a YAML (or JSON) mapping, e.g. ``{score_grain: week}``."""
    if not text:
        return {}
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"--vars is not valid YAML: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError(f"--vars must be a mapping such as '{{score_grain: week}}', not {text!r}")
    return value


def run_pipeline(
    wh: Warehouse,
    *,
    as_of_date: date | None,
    summary_path: Path,
    docs_dir: Path,
    echo: Callable[..., None] = click.echo,
    dbt_vars: dict[str, Any] | None = None,
    mart_bounds_path: Path | None = None,
    all_tests: bool = False,
) -> RunResult:
    """Gate, build, check; write the summary. Never raises: the exit code says what happened.

    ``dbt_vars`` go to dbt as ``--vars`` (their ``as_of_date``, or ``as_of_date``, is the date
    the gate and the mart check use too); ``mart_bounds_path`` configures the distribution
    checks (see :func:`quality.mart_bounds`); ``all_tests`` runs unit tests and tests whole
    tables (:func:`nightly_build`)."""
    summary_path = summary_path.resolve()
    docs_dir = docs_dir.resolve()
    previous_failed = previous_run_failed(summary_path)
    started_at = datetime.now(UTC)
    clock = time.perf_counter()
    steps = _Steps(echo, total=3)
    suites: list[dict[str, Any]] = []
    warnings: list[str] = []
    notes: list[str] = []
    try:
        as_of_date, dbt_vars = resolve_vars(as_of_date, dbt_vars)
        bounds = quality.mart_bounds(mart_bounds_path)
        vars_problem = None
    except ValueError as exc:
        bounds, vars_problem = {}, str(exc)
    summary: dict[str, Any] = {
        "status": None,
        "exit_code": None,
        "message": None,
        "next": None,
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": None,
        "duration_seconds": None,
        "warehouse": {"engine": wh.engine, "description": wh.describe()},
        "as_of_date": as_of_date.isoformat() if as_of_date else None,
        "as_of_date_source": "option" if as_of_date else "latest activity date in the data",
        "score_date": None,
        "steps": steps.items,
        "suites": suites,
        "drift": {"status": "skipped", "reason": "the marts were not checked"},
        "warnings": warnings,
        "notes": notes,
        "dbt_vars": dbt_vars,
        "data_docs": str(docs_dir / "index.html"),
        "summary": str(summary_path),
        "thresholds": quality.THRESHOLDS,
        "mart_bounds": bounds,
    }
    data_docs: Path | None = None
    echo(f"customer-health run on {wh.describe()}")

    def done(code: int, message: str, next_step: str | None = None) -> RunResult:
        summary.update(
            status=STATUS[code],
            exit_code=code,
            message=message,
            next=next_step,
            finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
            duration_seconds=round(time.perf_counter() - clock, 2),
        )
        if data_docs is None or not data_docs.exists():
            summary["data_docs"] = None
        summary_path.parent.mkdir(parents=True, exist_ok=True)
        summary_path.write_text(json.dumps(quality.jsonable(summary), indent=2) + "\n")
        _print_end(echo, code, message, next_step, summary_path, data_docs, warnings)
        return RunResult(code, summary, summary_path, data_docs, warnings)

    if vars_problem:
        return done(
            EXIT_CANNOT_START,
            vars_problem,
            "fix the option (docs/operations.md, 'Run it'); nothing was changed",
        )
    problem = _cannot_start(wh)
    if problem:
        return done(EXIT_CANNOT_START, problem[0], problem[1])

    lock = RunLock.acquire(wh)
    if lock is None:
        return done(
            EXIT_CANNOT_START,
            f"another `customer-health run` is in progress on {wh.describe()}",
            "wait for it to finish (or stop it), then run again; nothing was changed",
        )
    try:
        with quality.open_project(wh, gx_root(summary_path), docs_dir) as project:
            # ---------------------------------------------------------------- 1. gate
            steps.start("source_gate", "Source gate: validating the raw sources (GX)")
            gate = quality.validate_sources(
                wh, project, as_of_date, shapes=shapes_mod.current(dbt_vars)
            )
            summary["as_of_date"] = gate.as_of_date.isoformat() if gate.as_of_date else None
            suites.extend(s.to_dict() for s in gate.suites)
            notes.extend(n["message"] for n in gate.notes)
            warnings.extend(quality.describe_failure(w) for w in gate.warnings)
            data_docs = project.build_docs()
            if not gate.success:
                failed = [s.suite for s in gate.suites if not s.success]
                steps.finish("failed", f"{len(failed)} of {len(gate.suites)} suites failed")
                _print_failures(echo, gate.failures)
                steps.skip("dbt_build", "source gate failed: dbt was not run")
                steps.skip("mart_check", "source gate failed")
                return done(
                    EXIT_SOURCE_GATE,
                    f"source gate failed ({', '.join(failed)}); dbt was not run, the marts "
                    "of the previous run are unchanged",
                    "fix the raw data named above (or the connector that loaded it) and run "
                    "again; if the data is right and a bound is wrong, change THRESHOLDS in "
                    "src/customer_health/quality.py. Details: the summary's `suites` and the "
                    "Data Docs.",
                )
            steps.finish(
                "passed",
                f"{len(gate.suites)} suites, {sum(s.evaluated for s in gate.suites)} "
                f"expectations, as_of_date {summary['as_of_date']}"
                + (f", {len(gate.warnings)} warning(s)" if gate.warnings else ""),
            )
            for note in notes:
                echo(f"      note: {note}")

            # ---------------------------------------------------------------- 2. dbt
            build_args, build_vars, tested = nightly_build(
                wh,
                dbt_vars,
                all_tests=all_tests,
                as_of=gate.as_of_date,
                previous_failed=previous_failed,
            )
            summary["dbt_tests"] = tested
            steps.start("dbt_build", f"dbt build (seeds, models, snapshots; {tested})")
            try:
                dbt_runner.run(build_args, wh, dbt_vars=build_vars or None, quiet=True)
            except dbt_runner.DbtError as exc:
                steps.finish("failed")
                echo(click.style(str(exc), fg="red"), err=True)
                steps.skip("mart_check", "dbt build failed")
                return done(
                    EXIT_DBT_BUILD,
                    f"dbt build failed: {exc}",
                    "read the failing nodes above (logs/dbt.log has the full output). Models "
                    "downstream of a failure were skipped and keep their previous contents; "
                    "fix and run again.",
                )
            summary["quarantine"] = quarantine_counts(wh)
            summary["before_account_created"] = before_account_created_counts(wh)
            steps.finish("passed", quarantine_line(summary["quarantine"]))
            echo(f"      {before_account_created_line(summary['before_account_created'])}")
            summary["identity"] = identity.identity_counts(wh)
            if summary["identity"] is not None:
                echo(f"      {identity.identity_line(summary['identity'])}")
            summary["lifecycle"] = lifecycle_counts(wh)
            echo(f"      {lifecycle_line(summary['lifecycle'])}")

            # ---------------------------------------------------------------- 3. marts
            steps.start("mart_check", "Mart check: distributions, coverage, tier drift (GX)")
            record_path = tiers_record_path(summary_path)
            previous, drift_note = _previous_tiers(record_path, wh)
            marts = quality.validate_marts(wh, project, previous, bounds)
            suites.extend(s.to_dict() for s in marts.suites)
            data_docs = project.build_docs()
            summary["score_date"] = _score_date(wh)
            summary["drift"] = _drift(marts, previous, drift_note, record_path)
            distribution = _distribution_warnings(marts)
            warnings.extend(distribution)
            if summary["drift"]["status"] == "warning":
                warnings.append(summary["drift"]["message"])
            if not marts.success:
                failed = [s.suite for s in marts.suites if not s.success]
                steps.finish("failed", f"{len(failed)} of {len(marts.suites)} suites failed")
                _print_failures(echo, marts.failures)
                return done(
                    EXIT_MART_CHECK,
                    f"mart check failed ({', '.join(failed)}): the marts were rebuilt but "
                    "look wrong; do not publish them",
                    "compare with the previous run (Data Docs), check recent changes to "
                    "seeds/ and models/, and run again; if a configured bound "
                    f"(${quality.MART_BOUNDS_ENV} or --mart-bounds) no longer fits the book, "
                    "change it. The previous run's tiers record was kept.",
                )
            mart_warnings = len(distribution) + (summary["drift"]["status"] == "warning")
            steps.finish(
                "passed",
                f"{len(marts.suites)} suites"
                + (f", {mart_warnings} warning(s)" if mart_warnings else ""),
            )
            write_tiers_record(record_path, wh, summary["score_date"])
            return done(EXIT_OK, "sources valid, marts built and checked")
    except Exception as exc:  # a crash must still leave a summary behind
        if steps.items and steps.items[-1]["status"] == "running":
            steps.finish("error", str(exc))
        return done(
            EXIT_ERROR,
            f"unexpected error: {type(exc).__name__}: {exc}",
            "this is a bug or an environment problem, not a data problem: read the error, "
            "and report it with the summary attached if it persists",
        )
    finally:
        lock.release()


class RunLock:
    """One `run` at a time per warehouse: a second one started meanwhile fails at once, with a
    clear message, instead of building over the first. DuckDB: an exclusive flock on a file next
    to the database. Postgres: a session advisory lock, held on its own connection."""

    KEY = "customer_health.run"

    def __init__(self, release: Callable[[], None]) -> None:
        self._release = release

    @classmethod
    def acquire(cls, wh: Warehouse) -> RunLock | None:
        if wh.engine == "duckdb":
            import fcntl

            path = Path(f"{wh.duckdb_path}.run.lock")
            handle = path.open("a")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                return None

            def release_file() -> None:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()

            return cls(release_file)
        import psycopg2

        con = psycopg2.connect(
            host=wh.pg_host,
            port=wh.pg_port,
            user=wh.pg_user,
            password=wh.pg_password,
            dbname=wh.pg_dbname,
        )
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute("select pg_try_advisory_lock(hashtext(%s))", (cls.KEY,))
            (got,) = cur.fetchone()
        if not got:
            con.close()
            return None
        return cls(con.close)

    def release(self) -> None:
        self._release()


def write_tiers_record(record_path: Path, wh: Warehouse, score_date: str | None) -> None:
    """Keep this run's tiers for the next run's drift check (after a passed mart check)."""
    record_path.write_text(
        json.dumps(
            {
                "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "warehouse": wh.describe(),
                "score_date": score_date,
                "tiers": quality.current_tiers(wh),
            },
            indent=1,
            sort_keys=True,
        )
        + "\n"
    )


def _cannot_start(wh: Warehouse) -> tuple[str, str] | None:
    if wh.engine == "duckdb" and (wh.duckdb_path is None or not Path(wh.duckdb_path).exists()):
        return (
            f"no DuckDB file at {wh.duckdb_path}",
            "load data first (`customer-health demo-data`, or your connectors) or point "
            "CUSTOMER_HEALTH_DUCKDB_PATH at the warehouse file",
        )
    try:
        wh.query_df("select 1 as ok")
    except Exception as exc:
        if wh.engine == "postgres":
            hint = (
                "check CUSTOMER_HEALTH_PG_HOST/PORT/USER/PASSWORD/DBNAME and that the server "
                "is running"
            )
        else:
            hint = f"check that {wh.duckdb_path} is a DuckDB file and not locked by a writer"
        return (f"cannot connect to {wh.describe()}: {exc}", hint)
    return None


def _previous_tiers(record_path: Path, wh: Warehouse) -> tuple[dict[str, str] | None, str]:
    if not record_path.exists():
        return None, f"no previous run recorded ({record_path.name} does not exist yet)"
    try:
        record = json.loads(record_path.read_text())
        tiers = {str(k): str(v) for k, v in record["tiers"].items()}
    except (OSError, ValueError, KeyError, AttributeError) as exc:
        return None, f"previous run record {record_path} is unreadable ({exc}); ignored"
    if record.get("warehouse") != wh.describe():
        return None, f"previous run was on another warehouse ({record.get('warehouse')})"
    return tiers, str(record.get("recorded_at"))


def _drift(
    marts: quality.PhaseResult,
    previous: dict[str, str] | None,
    note: str,
    record_path: Path,
) -> dict[str, Any]:
    if not previous:
        return {"status": "skipped", "reason": note}
    result = marts.suite("mart.tier_drift")
    observed = dict(result.observed)
    share = observed.get("changed_share", 0.0)
    out: dict[str, Any] = {
        "status": "warning" if result.warnings else "ok",
        "previous_run_at": note,
        "record": str(record_path),
        **observed,
    }
    if result.warnings:
        keys = result.warnings[0].get("unexpected_keys") or []
        out["sample_changed_accounts"] = keys
        out["message"] = (
            f"{share:.0%} of accounts ({observed.get('changed_accounts')} of "
            f"{observed.get('compared_accounts')}) changed final_tier since the previous run "
            f"({note}), above the {observed.get('threshold'):.0%} threshold: check recent "
            "changes to seeds (weights, tiers) or the data before acting on the new list"
        )
    return out


def _distribution_warnings(marts: quality.PhaseResult) -> list[str]:
    """The distribution checks that were outside their (unconfigured) bounds, as warnings."""
    out = []
    for suite in marts.suites:
        if suite.suite == "mart.tier_drift":
            continue
        for w in suite.warnings:
            out.append(
                f"{suite.suite} [{w.get('column')}]: {quality.describe_failure(w)} (a default "
                f"bound, so a warning: configure it in ${quality.MART_BOUNDS_ENV} or "
                "--mart-bounds to make it fail the run; docs/operations.md)"
            )
    return out


#: The staged activity that can predate an account (a trial, a pilot): model -> date column.
BEFORE_ACCOUNT_CREATED = {
    "product.events": "staging.stg_product__events",
    "support.tickets": "staging.stg_support__tickets",
    "crm.activities": "staging.stg_crm__activities",
}


def before_account_created_counts(wh: Warehouse) -> dict[str, int]:
    """Staged rows dated before their account's created_date, per raw table (kept, flagged
    is_before_account_created; docs/bad_input.md)."""
    parts = " union all ".join(
        f"select '{tid}' as raw_table, count(*) as n from {model} where is_before_account_created"
        for tid, model in BEFORE_ACCOUNT_CREATED.items()
    )
    frame = wh.query_df(parts)
    return {str(r.raw_table): int(r.n) for r in frame.itertuples(index=False)}


def before_account_created_line(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    if not total:
        return "Activity before account creation: none."
    parts = ", ".join(f"{table} {n:,}" for table, n in counts.items() if n)
    return (
        f"Activity before account creation (trials, pilots): {total:,} rows kept and flagged "
        f"is_before_account_created ({parts})."
    )


def lifecycle_counts(wh: Warehouse) -> dict[str, Any]:
    """Accounts by lifecycle status, episodes, outcomes and conflicts between sources
    (int_lifecycle__*; docs/lifecycle.md)."""
    status = wh.query_df(
        "select lifecycle_status, count(*) as n from intermediate.int_lifecycle__accounts "
        "group by 1"
    )
    outcomes = wh.query_df(
        "select outcome_type, count(*) as n from intermediate.int_lifecycle__outcomes group by 1"
    )
    conflicts = wh.query_df(
        "select conflict_type, count(*) as n from intermediate.int_lifecycle__conflicts "
        "group by 1 order by 1"
    )
    episodes = wh.query_df("select count(*) as n from intermediate.int_lifecycle__episodes")
    return {
        "accounts": {str(r.lifecycle_status): int(r.n) for r in status.itertuples(index=False)},
        "episodes": int(episodes["n"][0]),
        "outcomes": {str(r.outcome_type): int(r.n) for r in outcomes.itertuples(index=False)},
        "conflicts": {str(r.conflict_type): int(r.n) for r in conflicts.itertuples(index=False)},
        "conflicts_relation": "intermediate.int_lifecycle__conflicts",
    }


def lifecycle_line(counts: dict[str, Any]) -> str:
    accounts, outcomes = counts["accounts"], counts["outcomes"]
    conflicts = sum(counts["conflicts"].values())
    line = (
        f"Lifecycle: {accounts.get('live', 0):,} accounts live today, "
        f"{accounts.get('churned', 0):,} churned, {accounts.get('deleted', 0):,} deleted; "
        f"{counts['episodes']:,} episodes, {outcomes.get('reactivated', 0):,} reactivations, "
        f"{outcomes.get('contracted', 0):,} contractions"
    )
    if not conflicts:
        return line + "; no conflict between sources."
    parts = ", ".join(f"{k} {n:,}" for k, n in counts["conflicts"].items())
    where = counts["conflicts_relation"]
    return f"{line}; {conflicts:,} conflicts between sources ({parts}); see {where}."


def quarantine_counts(wh: Warehouse) -> dict[str, Any]:
    """Where the raw rows went (quarantine_reconciliation) and the quarantine by reason."""
    tables = wh.query_df(
        "select raw_table, raw_rows, staged_rows, duplicate_versions, quarantined_rows, "
        "unaccounted_rows from quarantine.quarantine_reconciliation order by raw_table"
    )
    reasons = wh.query_df(
        "select raw_table, quarantine_reason, count(*) as quarantined_keys, "
        "sum(source_versions) as quarantined_rows from quarantine.quarantine "
        "group by raw_table, quarantine_reason order by raw_table, quarantine_reason"
    )
    return {
        "relation": "quarantine.quarantine",
        "quarantined_rows": int(tables["quarantined_rows"].sum()),
        "raw_rows": int(tables["raw_rows"].sum()),
        "tables": quality.jsonable(tables.to_dict(orient="records")),
        "reasons": quality.jsonable(reasons.to_dict(orient="records")),
    }


def quarantine_line(quarantine: dict[str, Any]) -> str:
    rows = quarantine["quarantined_rows"]
    if not rows:
        return f"{quarantine['raw_rows']:,} raw rows, none quarantined"
    by_reason: dict[str, int] = {}
    for r in quarantine["reasons"]:
        by_reason[r["quarantine_reason"]] = by_reason.get(r["quarantine_reason"], 0) + int(
            r["quarantined_rows"]
        )
    top = ", ".join(f"{k} {v:,}" for k, v in sorted(by_reason.items(), key=lambda kv: -kv[1]))
    return (
        f"{rows:,} of {quarantine['raw_rows']:,} raw rows quarantined ({top}); "
        f"see {quarantine['relation']}"
    )


def _score_date(wh: Warehouse) -> str | None:
    value = wh.query_df(f"select max(score_date) as d from {quality.MART_RELATION}").iloc[0, 0]
    return None if value is None else str(value)[:10]


def _print_failures(echo: Callable[..., None], failures: list[dict[str, Any]]) -> None:
    for failure in failures[:SHOWN_FAILURES]:
        where = failure.get("table") or ""
        if failure.get("column"):
            where += f" [{failure['column']}]"
        what = failure.get("expectation", "")
        detail = quality.describe_failure(failure)
        echo(click.style(f"      x {where}: {what}: {detail}", fg="red"), err=True)
        if failure.get("next"):
            echo(f"        next: {failure['next']}", err=True)
    if len(failures) > SHOWN_FAILURES:
        echo(f"      ... and {len(failures) - SHOWN_FAILURES} more in the summary", err=True)


def _print_end(
    echo: Callable[..., None],
    code: int,
    message: str,
    next_step: str | None,
    summary_path: Path,
    data_docs: Path | None,
    warnings: list[str],
) -> None:
    for warning in warnings:
        echo(click.style(f"WARNING: {warning}", fg="yellow"), err=True)
    echo(f"Run summary: {summary_path}")
    if data_docs is not None and data_docs.exists():
        echo(f"Data Docs:   {data_docs}")
    colour = "green" if code == EXIT_OK else "red"
    echo(click.style(f"status: {STATUS[code]} (exit {code}): {message}", fg=colour, bold=True))
    if next_step:
        echo(f"next: {next_step}", err=True)


@click.command("run")
@click.option(
    "--target",
    type=click.Choice(ENGINES),
    default=None,
    help="Warehouse to use (default: $CUSTOMER_HEALTH_TARGET or duckdb).",
)
@click.option(
    "--as-of-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Score date, YYYY-MM-DD (default: the latest activity date in the data).",
)
@click.option(
    "--summary",
    "summary_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Run summary JSON (default: reports/run_summary.json in the project).",
)
@click.option(
    "--docs-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Great Expectations Data Docs site (default: reports/data_docs in the project).",
)
@click.option(
    "--vars",
    "vars_text",
    default=None,
    help="dbt vars as a YAML/JSON mapping, passed to dbt as dbt does, e.g. "
    "'{score_grain: week, as_of_date: 2026-09-30}'. Its as_of_date is the gate's too.",
)
@click.option(
    "--mart-bounds",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="YAML file of distribution bounds that fail the mart check when broken (default: "
    f"${quality.MART_BOUNDS_ENV}; unset, the distribution checks only warn).",
)
@click.option(
    "--all-tests",
    is_flag=True,
    help="Run dbt's unit tests too and every data test on whole tables. By default, on a "
    "warehouse that holds a build, the large incremental tables are tested on the rows the run "
    "rewrote, and unit tests are left to CI.",
)
def run_command(
    target: str | None,
    as_of_date: datetime | None,
    summary_path: Path | None,
    docs_dir: Path | None,
    vars_text: str | None,
    mart_bounds: Path | None,
    all_tests: bool,
) -> None:
    """Validate the sources, dbt build, check the marts, write a JSON summary.

    Exit codes: 0 ok (warnings included), 10 source gate failed (dbt not run, marts
    unchanged), 20 dbt build failed, 30 mart check failed, 2 cannot start, 1 unexpected error.
    """
    try:
        wh = Warehouse.from_env(target)
        dbt_vars = parse_vars(vars_text)
    except ValueError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(EXIT_CANNOT_START)
    reports = dbt_runner.project_dir() / "reports"
    result = run_pipeline(
        wh,
        as_of_date=as_of_date.date() if as_of_date else None,
        summary_path=summary_path or reports / "run_summary.json",
        docs_dir=docs_dir or reports / "data_docs",
        dbt_vars=dbt_vars,
        mart_bounds_path=mart_bounds,
        all_tests=all_tests,
    )
    sys.exit(result.exit_code)
