"""``customer-health notify``: each new alert of ``marts.mart_health_alerts`` (or, with
``kind="expansion"``, of ``marts.mart_expansion_alerts``) to a webhook, once.

What is sent: the alerts of the current period (or since ``since``) that the mart's budget lets
through (``delivery_status = 'deliver'``), not yet delivered on the channel, in priority order
(health: severity, then the account's priority rank; expansion: the expansion score, then the
ARR), at most ``max_alerts`` per run. What the mart held
back stays held back; what ``max_alerts`` cuts waits for the next run.

Exactly once: ``delivery.alert_deliveries`` records ``attempted`` before each call and
``delivered`` after it; a run that died between the two sends again with the same idempotency
key (header and payload), which the receiver uses to drop the duplicate.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from customer_health.delivery import slack, state, webhook
from customer_health.warehouse import Warehouse

ALERTS = "marts.mart_health_alerts"
EXPANSION_ALERTS = "marts.mart_expansion_alerts"
ACCOUNTS = "marts.mart_account_health"
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2}
# the alert marts notify reads, by kind (the CLI's --alerts)
ALERT_MARTS = {"health": ALERTS, "expansion": EXPANSION_ALERTS}


@dataclass
class Outcome:
    alert_id: str
    account: str
    detail: str = ""


@dataclass
class NotifyReport:
    channel: str
    state_relation: str
    dry_run: bool = False
    alerts_relation: str = ALERTS
    candidates: int = 0
    sent: list[Outcome] = field(default_factory=list)
    resent: list[Outcome] = field(default_factory=list)  # after an interrupted attempt
    skipped: int = 0  # delivered by an earlier run
    held_back_budget: int = 0  # the mart's alert budget
    held_back_max: list[Outcome] = field(default_factory=list)  # over --max, next run
    failed: list[Outcome] = field(default_factory=list)
    payloads: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def load_alerts(wh: Warehouse, since: dt.date | None, kind: str = "health") -> list[dict[str, Any]]:
    """The period's alerts with what a message needs from the account mart, in priority order:
    severity, then the account's priority rank, then the newest first (expansion: the highest
    expansion score, then the largest ARR)."""
    period = "alerts.is_current_period" if since is None else f"alerts.alert_date >= '{since}'"
    if kind == "expansion":
        return _load_expansion_alerts(wh, period)
    if kind != "health":
        raise ValueError(f"unknown alert kind {kind!r}: use one of {', '.join(ALERT_MARTS)}")
    frame = wh.query_df(
        f"""
        select
            alerts.alert_id,
            alerts.account_id,
            alerts.account_id as crm_account_id,
            alerts.org_id,
            accounts.account_name,
            accounts.segment,
            alerts.alert_type,
            alerts.severity,
            alerts.cause,
            alerts.recommended_action,
            alerts.owner_csm,
            alerts.delivery_status,
            alerts.held_back_reason,
            alerts.health_score,
            alerts.health_tier,
            accounts.priority_rank,
            alerts.alert_date
        from {ALERTS} as alerts
        left join {ACCOUNTS} as accounts
            on alerts.account_id = accounts.account_id
        where {period}
        """
    )
    frame = frame.astype(object).where(frame.notna(), None)
    rows = frame.to_dict(orient="records")
    rows.sort(
        key=lambda r: (
            SEVERITY_ORDER.get(str(r["severity"]), 9),
            r["priority_rank"] if r["priority_rank"] is not None else float("inf"),
            -_ordinal(r["alert_date"]),
            str(r["alert_id"]),
        )
    )
    return rows


def _load_expansion_alerts(wh: Warehouse, period: str) -> list[dict[str, Any]]:
    """Accounts entering ready, in the shape of a health alert: the score and tier are the
    expansion score and tier, the action is the expansion play's."""
    frame = wh.query_df(
        f"""
        select
            alerts.alert_id,
            alerts.account_id,
            alerts.account_id as crm_account_id,
            alerts.org_id,
            accounts.account_name,
            accounts.segment,
            alerts.alert_type,
            'opportunity' as severity,
            alerts.cause,
            alerts.expansion_action as recommended_action,
            alerts.expansion_play,
            alerts.owner_csm,
            alerts.delivery_status,
            alerts.held_back_reason,
            alerts.expansion_score,
            alerts.expansion_tier,
            alerts.health_score,
            alerts.arr_reporting,
            alerts.alert_date
        from {EXPANSION_ALERTS} as alerts
        left join {ACCOUNTS} as accounts
            on alerts.account_id = accounts.account_id
        where {period}
        """
    )
    frame = frame.astype(object).where(frame.notna(), None)
    rows = frame.to_dict(orient="records")
    for row in rows:
        row["score_label"] = "Expansion score"
        row["score"] = row["expansion_score"]
        row["tier"] = row["expansion_tier"]
    rows.sort(
        key=lambda r: (
            -(r["expansion_score"] or 0.0),
            -(r["arr_reporting"] or 0.0),
            -_ordinal(r["alert_date"]),
            str(r["alert_id"]),
        )
    )
    return rows


def _ordinal(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return value.toordinal()
    if isinstance(value, dt.date):
        return value.toordinal()
    return dt.date.fromisoformat(str(value)[:10]).toordinal()


def run_notify(
    wh: Warehouse,
    webhook_url: str | None,
    channel: str = "slack",
    crm_url_template: str | None = None,
    max_alerts: int | None = None,
    since: dt.date | None = None,
    dry_run: bool = False,
    policy: webhook.RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    kind: str = "health",
) -> NotifyReport:
    """Send what is new; return what happened to every alert of the period (``kind``: the
    health alerts, or the expansion alerts)."""
    if not dry_run and not webhook_url:
        raise ValueError("no webhook URL")
    report = NotifyReport(
        channel=channel,
        state_relation=state.ALERT_DELIVERIES,
        dry_run=dry_run,
        alerts_relation=ALERT_MARTS.get(kind, ALERTS),
    )
    alerts = load_alerts(wh, since, kind)
    report.candidates = len(alerts)
    if not dry_run:
        state.ensure_tables(wh)
    known = _known_states(wh, channel, dry_run)
    due: list[dict[str, Any]] = []
    for alert in alerts:
        if alert["delivery_status"] != "deliver":
            report.held_back_budget += 1
        elif known.get(str(alert["alert_id"])) == state.DELIVERED:
            report.skipped += 1
        else:
            due.append(alert)
    if max_alerts is not None and len(due) > max_alerts:
        report.held_back_max = [_outcome(a, "over --max") for a in due[max_alerts:]]
        due = due[:max_alerts]
    for alert in due:
        alert_id = str(alert["alert_id"])
        key = state.idempotency_key(alert_id, channel)
        payload = slack.build_payload(alert, key, crm_url_template)
        if dry_run:
            report.payloads.append(payload)
            continue
        interrupted = known.get(alert_id) == state.ATTEMPTED
        state.mark_attempted(wh, alert_id, channel, str(alert["account_id"]), alert["alert_date"])
        assert webhook_url is not None
        result = webhook.send(webhook_url, payload, key, policy=policy, sleep=sleep)
        state.mark_outcome(
            wh, alert_id, channel, result.delivered, result.http_status, result.error
        )
        tries = f"{result.attempts} attempt(s)"
        if result.delivered:
            (report.resent if interrupted else report.sent).append(_outcome(alert, tries))
        else:
            report.failed.append(_outcome(alert, f"{result.error}; {tries}"))
    return report


def _known_states(wh: Warehouse, channel: str, dry_run: bool) -> dict[str, str]:
    try:
        return {k: v.status for k, v in state.alert_states(wh, channel).items()}
    except Exception:  # noqa: BLE001 - a dry run before any delivery: no state table yet
        if dry_run:
            return {}
        raise


def _outcome(alert: dict[str, Any], detail: str) -> Outcome:
    name = alert.get("account_name") or alert.get("account_id")
    account = f"{name} ({alert['account_id']}) {alert['alert_type']}"
    return Outcome(alert_id=str(alert["alert_id"]), account=account, detail=detail)


def summary_lines(report: NotifyReport, wh: Warehouse) -> list[str]:
    """What the run did, for people."""
    verb = "would send" if report.dry_run else "sent"
    count = len(report.payloads) if report.dry_run else len(report.sent) + len(report.resent)
    lines = [
        f"Alerts of the period: {report.candidates:,} in {report.alerts_relation} "
        f"(channel {report.channel!r})"
    ]
    lines.append(f"  {verb}:{'':<10}{count:,}")
    for item in report.sent:
        lines.append(f"    {item.account}  [{item.detail}]")
    for item in report.resent:
        lines.append(
            f"    {item.account}  [{item.detail}; resent after an interrupted run, "
            "same idempotency key]"
        )
    lines.append(f"  skipped:{'':<8}{report.skipped:,} (delivered by an earlier run)")
    held = report.held_back_budget + len(report.held_back_max)
    lines.append(
        f"  held back:{'':<6}{held:,} ({report.held_back_budget:,} by the alert budget of "
        f"{report.alerts_relation}, {len(report.held_back_max):,} over --max: sent by a later run)"
    )
    lines.append(
        f"  failed:{'':<9}{len(report.failed):,}"
        + (" (not marked delivered: the next run tries again)" if report.failed else "")
    )
    for item in report.failed:
        lines.append(f"    {item.account}, alert {item.alert_id}: {item.detail}")
    where = "nothing written (dry run)" if report.dry_run else wh.describe()
    lines.append(f"Delivery state: {report.state_relation} in {where}")
    return lines
