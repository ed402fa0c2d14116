"""The delivery commands: ``notify`` and ``export-scores`` (registered on the main group by
:func:`register`)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from customer_health.warehouse import ENGINES, Warehouse

EXIT_CANNOT_START = 2
EXIT_SOME_FAILED = 1

_TARGET = click.option(
    "--target",
    type=click.Choice(ENGINES),
    default=None,
    help="Warehouse to use (default: $CUSTOMER_HEALTH_TARGET or duckdb).",
)


def _fail(message: str, hint: str) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    click.echo(f"next: {hint}", err=True)
    sys.exit(EXIT_CANNOT_START)


def _warehouse(target: str | None) -> Warehouse:
    wh = Warehouse.from_env(target)
    if wh.engine == "duckdb" and not Path(str(wh.duckdb_path)).exists():
        _fail(
            f"no DuckDB file at {wh.duckdb_path}",
            "run `customer-health build` first, or point CUSTOMER_HEALTH_DUCKDB_PATH at it",
        )
    return wh


@click.command("notify")
@click.option(
    "--webhook-url",
    envvar="CUSTOMER_HEALTH_WEBHOOK_URL",
    default=None,
    help="Slack incoming webhook (or any receiver of its format); "
    "default $CUSTOMER_HEALTH_WEBHOOK_URL.",
)
@click.option(
    "--channel",
    envvar="CUSTOMER_HEALTH_NOTIFY_CHANNEL",
    default="slack",
    show_default=True,
    help="Name of the destination: delivery state and idempotency keys are per channel.",
)
@click.option(
    "--crm-url-template",
    envvar="CUSTOMER_HEALTH_CRM_URL_TEMPLATE",
    default=None,
    help="Link to the CRM record, e.g. https://example.my.salesforce.com/{crm_account_id}.",
)
@click.option(
    "--max",
    "max_alerts",
    type=click.IntRange(min=0),
    default=None,
    help="At most this many alerts per run, in priority order; the rest wait for the next run.",
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Alerts dated on or after this day (default: the mart's current period).",
)
@click.option(
    "--attempts",
    type=click.IntRange(min=1, max=10),
    default=4,
    show_default=True,
    help="Tries per alert on 429, 5xx or no answer.",
)
@click.option(
    "--max-wait",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="Longest wait between tries, in seconds (Retry-After included).",
)
@click.option(
    "--alerts",
    "kind",
    type=click.Choice(["health", "expansion"]),
    default="health",
    show_default=True,
    help="health: marts.mart_health_alerts (to the CSM); expansion: accounts entering ready, "
    "from marts.mart_expansion_alerts (to the account owner). Run it once per kind.",
)
@click.option("--dry-run", is_flag=True, help="Print the payloads; send and record nothing.")
@_TARGET
def notify_command(
    webhook_url: str | None,
    channel: str,
    crm_url_template: str | None,
    max_alerts: int | None,
    since: dt.datetime | None,
    attempts: int,
    max_wait: float,
    kind: str,
    dry_run: bool,
    target: str | None,
) -> None:
    """Post each new alert of marts.mart_health_alerts (or, with --alerts expansion, of
    marts.mart_expansion_alerts) to a webhook, once.

    Slack Block Kit messages (a text fallback and blocks): account, owner, score and tier,
    the cause with its values, the action and a link to the CRM record. Delivery state lives in
    the warehouse (delivery.alert_deliveries); every message carries an Idempotency-Key header.
    Exit codes: 0 done, 1 some alerts failed (the next run retries them), 2 cannot start.
    """
    from customer_health.delivery import notify, webhook

    if not dry_run and not webhook_url:
        _fail(
            "no webhook URL",
            "pass --webhook-url or set CUSTOMER_HEALTH_WEBHOOK_URL (or --dry-run to look first)",
        )
    wh = _warehouse(target)
    policy = webhook.RetryPolicy(max_attempts=attempts, max_wait=max_wait)
    try:
        report = notify.run_notify(
            wh,
            webhook_url,
            channel=channel,
            crm_url_template=crm_url_template,
            max_alerts=max_alerts,
            since=since.date() if since else None,
            dry_run=dry_run,
            policy=policy,
            kind=kind,
        )
    except Exception as exc:  # noqa: BLE001 - no mart, no connection: say what to do
        _fail(
            f"could not read {notify.ALERT_MARTS[kind]} or write the delivery state: {exc}",
            "run `customer-health build` first, and check the warehouse connection",
        )
    for payload in report.payloads:
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    for line in notify.summary_lines(report, wh):
        click.echo(line)
    sys.exit(report.exit_code)


@click.command("export-scores")
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where each export's directory goes (default: reports/writeback/ in the project).",
)
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="YAML or JSON file naming the Salesforce fields and HubSpot properties "
    "(README: Write-back to the CRM).",
)
@click.option("--full", is_flag=True, help="Write every account, changed or not.")
@_TARGET
def export_scores_command(
    output_dir: Path | None, mapping: Path | None, full: bool, target: str | None
) -> None:
    """Write the scores per CRM account for a reverse-ETL job: CSV, JSON lines, and Salesforce
    and HubSpot update payloads. Only what changed since the last export, unless --full.

    No network call. Exit codes: 0 done, 2 cannot start.
    """
    from customer_health import dbt as dbt_runner
    from customer_health.delivery import writeback

    try:
        fields = writeback.load_mapping(mapping)
    except writeback.MappingError as exc:
        _fail(str(exc), "fix the file; README, Write-back to the CRM, shows its shape")
    wh = _warehouse(target)
    output_dir = output_dir or dbt_runner.project_dir() / "reports" / "writeback"
    try:
        report = writeback.run_export(wh, output_dir, fields, full=full)
    except Exception as exc:  # noqa: BLE001 - no mart, no connection: say what to do
        _fail(
            f"could not read {writeback.ACCOUNTS} or write the export state: {exc}",
            "run `customer-health build` first, and check the warehouse connection",
        )
    how = "all written (--full)" if full else "changed since the last export"
    click.echo(
        f"Accounts: {report.accounts:,}; {how}: {report.changed:,}; unchanged: {report.unchanged:,}"
    )
    if report.directory is None:
        click.echo("Nothing changed: no files written.")
    else:
        click.echo(f"Written to {report.directory.resolve()}:")
        for path in report.files:
            click.echo(f"  {path.resolve()}")
    click.echo(f"Export state: {report.state_relation} in {wh.describe()}")


def register(group: click.Group) -> None:
    """Add the delivery commands to the ``customer-health`` group."""
    group.add_command(notify_command)
    group.add_command(export_scores_command)
