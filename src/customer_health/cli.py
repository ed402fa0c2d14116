"""The `customer-health` command line."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from customer_health import dbt as dbt_runner
from customer_health.warehouse import ENGINES, Warehouse

if TYPE_CHECKING:
    from customer_health.privacy import Erasure

TARGET = click.option(
    "--target",
    type=click.Choice(ENGINES),
    default=None,
    help="Warehouse to use (default: $CUSTOMER_HEALTH_TARGET or duckdb).",
)


def _warehouse(target: str | None) -> Warehouse:
    return Warehouse.from_env(target)


def _fail(message: str, hint: str) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    click.echo(f"next: {hint}", err=True)
    sys.exit(2)


@click.group()
@click.version_option(package_name="customer-health")
def main() -> None:
    """Customer health score warehouse: demo data, dbt builds, the health mart."""


@main.command("demo-data")
@click.option("--accounts", default=1000, show_default=True, help="Accounts in the book.")
@click.option("--days", default=730, show_default=True, help="Days of history.")
@click.option("--seed", default=42, show_default=True, help="Random seed (same seed, same data).")
@click.option(
    "--end-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last day of the data (default: the generator's fixed end date).",
)
@click.option("--orgs", default=1, show_default=True, help="Tenants to spread accounts over.")
@click.option(
    "--world",
    type=click.Choice(["demo", "second"]),
    default="demo",
    show_default=True,
    help="demo: the demo generator; second: the independent second world, with an oracle "
    "(docs/second_world.md; --days is rounded to whole months).",
)
@click.option(
    "--oracle-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --world second: write the oracle's churn probability per renewal to this CSV.",
)
@click.option(
    "--crm",
    type=click.Choice(["contract", "salesforce", "hubspot"]),
    default="contract",
    show_default=True,
    help="Land the CRM tables as this connector lands them.",
)
@click.option(
    "--support",
    type=click.Choice(["contract", "zendesk", "hubspot"]),
    default="contract",
    show_default=True,
    help="Land support as this connector does.",
)
@click.option(
    "--billing",
    type=click.Choice(["contract", "stripe"]),
    default="contract",
    show_default=True,
    help="Land billing as this connector does.",
)
@click.option(
    "--usage",
    type=click.Choice(["contract", "pendo", "segment"]),
    default="contract",
    show_default=True,
    help="Land product usage as this connector does.",
)
@TARGET
def demo_data(
    accounts: int,
    days: int,
    seed: int,
    end_date: object,
    orgs: int,
    target: str | None,
    world: str = "demo",
    oracle_file: Path | None = None,
    crm: str = "contract",
    support: str = "contract",
    billing: str = "contract",
    usage: str = "contract",
) -> None:
    """Generate a realistic B2B SaaS book of accounts and load it into the raw schemas (or, with
    --crm/--support/--billing/--usage, into the schemas connectors land: docs/connectors.md)."""
    from customer_health import generator, loader
    from customer_health.generator import connectors

    wh = _warehouse(target)
    shapes = connectors.Shapes(crm=crm, support=support, billing=billing, usage=usage)
    if world == "second" or oracle_file is not None:
        _second_world_data(wh, accounts, days, seed, end_date, orgs, world, oracle_file, shapes)
        return
    if shapes.connectors():
        end = end_date.date() if end_date is not None else generator.DEFAULT_END_DATE  # type: ignore[attr-defined]
        click.echo(
            f"Generating {accounts:,} accounts x {days} days (seed {seed}), landed as "
            f"{shapes.describe()}, into {wh.describe()}"
        )
        started = time.perf_counter()
        frames = connectors.combine(
            generator.generate(
                accounts=accounts, days=days, seed=seed, end_date=end, orgs=orgs, progress=True
            )
        )
        _land(wh, frames, shapes, seed, started)
        return
    end = end_date.date() if end_date is not None else generator.DEFAULT_END_DATE  # type: ignore[attr-defined]
    click.echo(f"Generating {accounts:,} accounts x {days} days (seed {seed}) into {wh.describe()}")
    started = time.perf_counter()
    try:
        counts = loader.generate_and_load(
            wh, accounts=accounts, days=days, seed=seed, end_date=end, orgs=orgs, progress=True
        )
    except Exception as exc:  # connection problems are the usual cause
        _fail(f"could not load the demo data: {exc}", _connection_hint(wh))
    _echo_loaded(wh, counts, time.perf_counter() - started)


def _echo_loaded(wh: Warehouse, counts: dict[str, int], elapsed: float) -> None:
    for name, rows in sorted(counts.items()):
        label = f"raw_{name}" if name.partition(".")[0] in CONTRACT_SOURCES else name
        click.echo(f"  {label:<32} {rows:>12,} rows")
    click.echo(f"Loaded {sum(counts.values()):,} rows in {elapsed:.1f}s into {wh.describe()}")


CONTRACT_SOURCES = ("crm", "product", "support", "billing")


def _land(wh: Warehouse, frames: dict, shapes: Any, seed: int, started: float) -> None:
    """Load frames landed in connector shapes, and say how to build them."""
    from customer_health import loader

    try:
        counts = loader.land_and_load(wh, frames, shapes, seed=seed)
    except Exception as exc:  # connection problems are the usual cause
        _fail(f"could not load the demo data: {exc}", _connection_hint(wh))
    _echo_loaded(wh, counts, time.perf_counter() - started)
    exports = " ".join(
        f"CUSTOMER_HEALTH_{family.upper()}_SHAPE={name}" for family, name in shapes.connectors()
    )
    click.echo(
        f"Connector shapes: {shapes.describe()}. Build with them set, e.g.\n"
        f"  export {exports}\n  customer-health build\n"
        "(or pass them as dbt vars: --vars '{crm_shape: salesforce}'; docs/connectors.md)"
    )


def _second_world_data(
    wh: Warehouse,
    accounts: int,
    days: int,
    seed: int,
    end_date: object,
    orgs: int,
    world: str,
    oracle_file: Path | None,
    shapes: Any = None,
) -> None:
    """`demo-data --world second`: generate the second world, load it, write its oracle."""
    from customer_health import loader, second_world

    if world != "second":
        _fail("only the second world has an oracle", "add --world second")
    if orgs != 1:
        _fail("the second world has a single tenant", "leave out --orgs")
    months = max(1, round(days / 30.44))
    end = end_date.date() if end_date is not None else second_world.DEFAULT_END_DATE  # type: ignore[attr-defined]
    click.echo(
        f"Generating the second world: {accounts:,} accounts x {months} months (seed {seed}) "
        f"into {wh.describe()}"
    )
    started = time.perf_counter()
    frames, oracle = second_world.generate(accounts, months, seed, end)
    if shapes is not None and shapes.connectors():
        _land(wh, frames, shapes, seed, started)
    else:
        try:
            counts = loader.load_frames(wh, frames)
        except Exception as exc:  # connection problems are the usual cause
            _fail(f"could not load the second world: {exc}", _connection_hint(wh))
        _echo_loaded(wh, counts, time.perf_counter() - started)
    if oracle_file is not None:
        oracle_file.parent.mkdir(parents=True, exist_ok=True)
        oracle.to_csv(oracle_file, index=False)
        click.echo(f"Oracle: {len(oracle):,} renewal decisions written to {oracle_file}")


@main.command("build")
@click.option("--as-of-date", default=None, help="Score date (default: latest date in the data).")
@click.option("--full-refresh", is_flag=True, help="Rebuild incremental models from scratch.")
@click.option(
    "--vars",
    "vars_text",
    default=None,
    help="dbt vars as a YAML/JSON mapping, passed to dbt as dbt does, e.g. "
    "'{score_grain: week, as_of_date: 2026-09-30}'.",
)
@TARGET
def build(
    as_of_date: str | None, full_refresh: bool, target: str | None, vars_text: str | None = None
) -> None:
    """Run `dbt build` (seeds, models, snapshots, tests) on the warehouse."""
    import datetime as dt

    from customer_health import identity, orchestrate

    wh = _warehouse(target)
    try:
        day = dt.date.fromisoformat(as_of_date) if as_of_date else None
        _, dbt_vars = orchestrate.resolve_vars(day, orchestrate.parse_vars(vars_text))
    except ValueError as exc:
        _fail(str(exc), "give a YAML mapping, e.g. --vars '{as_of_date: 2026-09-30}'")
    args = ["build"] + (["--full-refresh"] if full_refresh else [])
    click.echo(f"dbt build on {wh.describe()}")
    try:
        dbt_runner.run(args, wh, dbt_vars=dbt_vars or None)
    except dbt_runner.DbtError as exc:
        _fail(str(exc), "read the failing node above; logs/dbt.log has the full output")
    click.echo("dbt build finished: marts are in schema 'marts'.")
    click.echo(
        "Quarantine: " + orchestrate.quarantine_line(orchestrate.quarantine_counts(wh)) + "."
    )
    click.echo(
        orchestrate.before_account_created_line(orchestrate.before_account_created_counts(wh))
    )
    counts = identity.identity_counts(wh)
    if counts is not None:
        click.echo(identity.identity_line(counts))


@main.command("top")
@click.option("--limit", default=10, show_default=True, help="How many accounts to show.")
@TARGET
def top(limit: int, target: str | None) -> None:
    """Print the accounts most in need of attention, with score, tier and explanation.

    An account whose diagnosis techniques disagree is marked under its tier, and what they
    disagree about is printed under the table (marts.mart_account_diagnosis)."""
    from customer_health import diagnosis, display

    wh = _warehouse(target)
    try:
        frame = display.accounts_needing_attention(wh, limit)
    except Exception as exc:
        _fail(
            f"could not read marts.mart_account_health: {exc}",
            "run `customer-health build` first (or `make demo`)",
        )
    frame, diagnosis_note = diagnosis.mark_disagreements(wh, frame)
    display.print_accounts(frame)
    diagnosis.print_disagreements(frame)
    if diagnosis_note:
        click.echo(diagnosis_note)
    click.echo(f"\nWarehouse: {wh.describe()}  (table marts.mart_account_health)")


@main.command("demo")
@click.option("--accounts", default=1000, show_default=True)
@click.option("--days", default=730, show_default=True)
@click.option("--seed", default=42, show_default=True)
@click.pass_context
def demo(ctx: click.Context, accounts: int, days: int, seed: int) -> None:
    """The whole demo on DuckDB: generate, build, show who needs attention and who is ready to
    expand, calibrate, report."""
    started = time.perf_counter()
    ctx.invoke(
        demo_data, accounts=accounts, days=days, seed=seed, end_date=None, orgs=1, target="duckdb"
    )
    ctx.invoke(build, as_of_date=None, full_refresh=True, target="duckdb")
    ctx.invoke(top, limit=10, target="duckdb")
    from customer_health.expansion.commands import expansion_command

    ctx.invoke(expansion_command, limit=5, target="duckdb")
    click.echo("\nCalibrating the weights against the book's churn history (nothing is applied)")
    try:
        ctx.invoke(
            calibrate_command,
            prior_strength=30.0,
            horizon_days=60,
            output_dir=None,
            json_path=None,
            apply=False,
            target="duckdb",
        )
    except SystemExit as exc:  # a refusal or "not better" must not stop the demo
        if exc.code not in (3, 4):
            raise
    ctx.invoke(
        report_command, output=None, calibration_json=None, prior_strength=30.0, target="duckdb"
    )
    wh = _warehouse("duckdb")
    path = Path(str(wh.duckdb_path)).resolve()
    click.echo(
        f"\nDemo finished in {time.perf_counter() - started:.0f}s.\n"
        f"  warehouse: {path} (open it with `duckdb {path}`)\n"
        f"  report:    {dbt_runner.project_dir() / 'reports' / 'health_report.html'}"
    )


def _connection_hint(wh: Warehouse) -> str:
    if wh.engine == "postgres":
        return (
            "check CUSTOMER_HEALTH_PG_HOST/PORT/USER/PASSWORD/DBNAME and that the server is running"
        )
    return f"check that {wh.duckdb_path} is writable and not open in another process"


@main.command("calibrate")
@click.option(
    "--prior-strength",
    default=30.0,
    show_default=True,
    type=float,
    help="Lost renewals a segment needs to count as much as the global fit (shrinkage k).",
)
@click.option(
    "--horizon",
    "horizon_days",
    default=60,
    show_default=True,
    type=int,
    help="Learn from the score this many days before each renewal (a backtest horizon).",
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the proposal goes (default: seeds/proposed in the project).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Machine-readable result (default: reports/calibration.json in the project).",
)
@click.option(
    "--apply",
    is_flag=True,
    help="Copy what this run wrote over seeds/ (weights only when better out of time, the "
    "churn probability model whenever fitted).",
)
@click.option(
    "--pool-orgs",
    is_flag=True,
    help="Fit on the renewals of every organisation of the warehouse (refused without it when "
    "there are several: the seeds fitted are shared by every tenant).",
)
@TARGET
def calibrate_command(
    prior_strength: float,
    horizon_days: int,
    output_dir: Path | None,
    json_path: Path | None,
    apply: bool,
    pool_orgs: bool,
    target: str | None,
) -> None:
    """Learn factor and family weights from lost renewals, out of time; propose them only
    when they rank lost renewals better than the current score on the latest renewals.

    \b
    Exit codes:
      0  proposal written (better out of time: the 95% interval of the AUC gain is above 0)
      3  refused: too few renewals or lost renewals to fit or to judge, or renewals of
         several organisations without --pool-orgs
      4  no proposal: not better out of time (the current weights stay)
    The churn probability model of the current score is written in every case where the book
    has at least 30 lost renewals.
    """
    from customer_health import calibrate

    wh = _warehouse(target)
    project = dbt_runner.project_dir()
    output_dir = output_dir or project / "seeds" / "proposed"
    json_path = json_path or project / "reports" / "calibration.json"
    click.echo(f"Calibrating on {wh.describe()}")
    try:
        result = calibrate.run_calibration(
            wh,
            prior_strength=prior_strength,
            horizon_days=horizon_days,
            output_dir=output_dir,
            apply=apply,
            seeds_dir=project / "seeds",
            json_path=json_path,
            progress=True,
            pool_orgs=pool_orgs,
        )
    except Exception as exc:
        _fail(
            f"could not read the calibration inputs: {exc}",
            "run `customer-health build` first (calibration.rpt_renewal_backtest and "
            "calibration.rpt_renewal_backtest_factors)",
        )
    calibrate.print_summary(result)
    written = result.files.get("written", [])
    click.echo("")
    if written:
        click.echo(f"Written to {output_dir}/: " + ", ".join(Path(p).name for p in written))
    else:
        click.echo(f"Nothing written to {output_dir}/.")
    click.echo(f"JSON written to {json_path}")
    if result.status == "refused":
        why = "several organisations" if result.decision.get("orgs") else "not enough history"
        click.secho(f"calibration refused: {why} (exit code 3)", fg="yellow", err=True)
    elif result.status == "not_better":
        click.secho(
            "no proposal: not better out of time (exit code 4); the current weights stay",
            fg="yellow",
            err=True,
        )
    if apply and result.files.get("applied_to"):
        click.secho("Applied: " + ", ".join(result.files["applied_to"]), fg="green", bold=True)
        click.echo(
            "next: `customer-health build` to rescore with them, then `customer-health backtest`"
        )
    elif apply:
        click.echo("Nothing to apply: seeds/ is unchanged.")
    elif result.status == "proposed":
        click.echo("Nothing in seeds/ was changed; re-run with --apply to adopt the proposal.")
    if result.exit_code:
        sys.exit(result.exit_code)


@main.command("backtest")
@click.option(
    "--oracle",
    "oracle_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="CSV of true churn probabilities from a simulator (account_id, renewal_date, is_lost, "
    "oracle_prob_r90/_r60/_r30/_r7): report the score's AUC as a share of the oracle's.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Machine-readable result (default: reports/backtest.json in the project).",
)
@click.option(
    "--horizon",
    default=60,
    show_default=True,
    type=int,
    help="Headline horizon (days before the renewal) for tiers, segments and alerts.",
)
@TARGET
def backtest_command(
    oracle_path: Path | None, json_path: Path | None, horizon: int, target: str | None
) -> None:
    """Judge the score on past renewals: AUC by horizon, churn by tier, lift, a baseline, alerts.

    Every renewal with a known outcome is scored as the account stood 90, 60, 30 and 7 days
    before it (calibration.rpt_renewal_backtest). Exit codes: 0 done; 2 the backtest models
    could not be read (run `customer-health build` first), a bad --horizon or --oracle file;
    3 nothing to rank: the book has renewals of one outcome only (e.g. no kept renewals
    because it has no renewal opportunities), recorded in the JSON as a refusal.
    """
    from customer_health import backtest
    from customer_health.backtest.render import print_result

    wh = _warehouse(target)
    json_path = json_path or dbt_runner.project_dir() / "reports" / "backtest.json"
    click.echo(f"Backtesting the score on {wh.describe()}")
    started = time.perf_counter()
    try:
        data = backtest.load_backtest(wh)
    except Exception as exc:
        _fail(
            f"could not read the backtest models: {exc}",
            "run `customer-health build` first (calibration.rpt_renewal_backtest and friends)",
        )
    try:
        result = backtest.run_backtest(wh, horizon, oracle_path=oracle_path, data=data)
    except backtest.OneClassOutcomes as exc:
        click.secho(f"backtest refused: {exc}", fg="yellow", err=True)
        click.echo(f"Refusal recorded in {backtest.write_refusal(json_path, exc)}", err=True)
        sys.exit(3)
    except backtest.OracleFileError as exc:
        _fail(str(exc), "give the CSV the simulator wrote, with its header row")
    except ValueError as exc:
        _fail(str(exc), "pick one of the horizons listed with --horizon")
    print_result(result)
    result.write_json(json_path)
    click.echo(f"\nJSON written to {json_path} ({time.perf_counter() - started:.1f}s)")


@main.command("report")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="HTML file to write (default: reports/health_report.html in the project).",
)
@click.option(
    "--calibration-json",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Use this result of `customer-health calibrate` instead of calibrating now.",
)
@click.option(
    "--prior-strength", default=30.0, show_default=True, type=float, help="As for calibrate."
)
@TARGET
def report_command(
    output: Path | None, calibration_json: Path | None, prior_strength: float, target: str | None
) -> None:
    """Write the self-contained HTML health report (portfolio, attention list, calibration)."""
    from customer_health import report

    wh = _warehouse(target)
    output = output or dbt_runner.project_dir() / "reports" / "health_report.html"
    click.echo(f"Building the report from {wh.describe()}")
    try:
        result = report.build_report(
            wh,
            output,
            calibration_json=calibration_json,
            prior_strength=prior_strength,
            progress=True,
        )
    except Exception as exc:
        _fail(
            f"could not build the report: {exc}",
            "run `customer-health build` first (the marts feed the report)",
        )
    click.echo(
        f"Report written to {result.path.resolve()} ({result.charts} charts; calibration "
        f"{result.calibration_status}). Open it in any browser; it needs no network."
    )


def _privacy_subject(account: str | None, contact: str | None, command: str) -> tuple[str, str]:
    if bool(account) == bool(contact):
        _fail(
            "give exactly one of --account or --contact",
            f"e.g. `customer-health {command} --account A000123` or "
            f"`customer-health {command} --contact C0001234`",
        )
    return ("account", account) if account else ("contact", contact)  # type: ignore[return-value]


NAMES = click.option(
    "--name",
    "names",
    multiple=True,
    help="A name of the person (or the account) to find in free text too; repeatable. The "
    "contract holds no person's name, so give it as your CRM or help desk spells it.",
)


@main.command("erase")
@click.option("--account", default=None, help="Erase this account, its contacts and all its data.")
@click.option(
    "--contact", default=None, help="Erase this contact (a person) and its personal data."
)
@NAMES
@click.option(
    "--reports-dir",
    "report_dirs",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of files the project wrote (run summary, GX results, Data Docs) to redact "
    "too; repeatable (default: reports/ in the project). Give the --summary and --docs-dir "
    "directories of your `customer-health run` if you moved them.",
)
@click.option("--dry-run", is_flag=True, help="Count what would be erased; change nothing.")
@TARGET
def erase_command(
    account: str | None,
    contact: str | None,
    names: tuple[str, ...],
    report_dirs: tuple[Path, ...],
    dry_run: bool,
    target: str | None,
) -> None:
    """GDPR erasure: remove an account or a contact from the raw tables, every table the
    project built and the snapshots in one transaction, redact its mentions in free text, then
    vacuum what changed and redact the reports (docs/security.md)."""
    from customer_health import privacy
    from customer_health.orchestrate import RunLock

    kind, subject_id = _privacy_subject(account, contact, "erase")
    wh = _warehouse(target)
    try:
        privacy.check_warehouse(wh)
    except privacy.PrivacyError as exc:
        _fail(str(exc), exc.hint)
    lock = RunLock.acquire(wh)
    if lock is None:
        _fail(
            f"a `customer-health run` is in progress on {wh.describe()}",
            "wait for it to finish, then erase again; nothing was changed",
        )
    dirs = list(report_dirs) or privacy.default_report_dirs()
    try:
        result = privacy.erase(wh, kind, subject_id, dry_run=dry_run, names=names, report_dirs=dirs)
    except privacy.PrivacyError as exc:
        _fail(str(exc), exc.hint)
    finally:
        lock.release()
    verb = "Would erase" if dry_run else "Erased"
    click.echo(f"{verb} {kind} {subject_id} from {wh.describe()}:")
    for change in result.changes:
        if change.action == "deleted":
            what = f"{change.rows:,} row(s) deleted"
        elif change.action == "cleared":
            what = f"{change.rows:,} row(s): {', '.join(change.columns)} set to null"
        else:
            what = f"{change.rows:,} row(s): mentions in {', '.join(change.columns)} redacted"
        click.echo(f"  {change.table:<48} {what}")
    others = sorted(result.subject.contact_ids - {subject_id})
    if others:
        click.echo(f"  with its {len(others)} contact(s): {', '.join(others)}")
    _echo_files(result, dirs)
    for warning in result.warnings:
        click.secho(f"WARNING: {warning}", fg="yellow", err=True)
    if dry_run:
        click.echo("Dry run: nothing was changed. Run again without --dry-run to erase.")
        return
    click.echo(
        f"{result.rows:,} row(s) changed in {len({c.table for c in result.changes})} table(s)."
    )
    done = result.maintenance
    if done is not None and done.statement == "checkpoint":
        click.echo(
            "DuckDB: checkpoint: the changes are written into the database file and its "
            "write-ahead log, which held the old rows, is emptied."
        )
    elif done is not None:
        click.echo(
            f"Postgres: vacuum (analyze) on the {len(done.tables)} table(s) changed: their "
            "dead row versions are removed and their planner statistics (pg_stats) recomputed "
            "without it."
        )
        for message in done.messages:
            click.secho(f"WARNING: {message}", fg="yellow", err=True)
    click.echo(
        "next: run `customer-health build` now, so that staging and every model are recomputed "
        "without it; erase it in the source system too, or the next load brings it back"
    )


def _echo_files(result: Erasure, dirs: list[Path]) -> None:
    verb = "would be" if result.dry_run else "were"
    where = ", ".join(str(d) for d in dirs)
    if not result.files:
        click.echo(f"  files under {where}: none held it")
        return
    for change in result.files:
        what = "deleted" if change.action == "deleted" else f"{change.values:,} value(s) redacted"
        click.echo(f"  file {change.path}: {what}")
    click.echo(f"  {len(result.files)} file(s) under {where} {verb} changed")


@main.command("export")
@click.option("--account", default=None, help="Export everything held about this account.")
@click.option("--contact", default=None, help="Export everything held about this contact.")
@NAMES
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="JSON file to write (default: reports/exports/<kind>_<id>.json in the project).",
)
@TARGET
def export_command(
    account: str | None,
    contact: str | None,
    names: tuple[str, ...],
    output: Path | None,
    target: str | None,
) -> None:
    """GDPR access request: write every row held about an account or a contact to JSON, and
    the rows whose free text mentions it."""
    from customer_health import privacy

    kind, subject_id = _privacy_subject(account, contact, "export")
    wh = _warehouse(target)
    output = output or privacy.default_export_path(kind, subject_id)
    try:
        result = privacy.export(wh, kind, subject_id, output, names=names)
    except privacy.PrivacyError as exc:
        _fail(str(exc), exc.hint)
    click.echo(f"Exported {kind} {subject_id} from {wh.describe()}:")
    for table, rows in result.row_counts.items():
        click.echo(f"  {table:<48} {rows:,} row(s)")
    for column, rows in result.mention_counts.items():
        click.echo(f"  {column:<48} {rows:,} row(s) whose text mentions it")
    click.echo(f"Written to {result.path.resolve()}")
    click.echo(
        "It holds personal data: hand it over securely and delete it afterwards. The mentions "
        "are other people's notes: read them before handing them over."
    )


def _register_run() -> None:
    from customer_health.orchestrate import run_command

    main.add_command(run_command)
    from customer_health.doctor import doctor_command

    main.add_command(doctor_command)
    from customer_health.delivery.commands import register

    register(main)  # notify, export-scores
    from customer_health.docs import docs_command

    main.add_command(docs_command)
    from customer_health.expansion.commands import register as register_expansion

    register_expansion(main)  # expansion, expansion-backtest


_register_run()


if __name__ == "__main__":
    main()
