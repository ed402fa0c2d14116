"""An alert as a Slack message (Block Kit): a ``text`` fallback for notifications and clients
without blocks, then ``blocks`` a CSM can act on. Any receiver that takes Slack's incoming
webhook format (Slack, Mattermost, Rocket.Chat, Microsoft Teams workflows, a custom service)
reads it.

The alert id and the idempotency key travel in ``metadata`` (Slack's message metadata, which
a channel does not display), so a receiver can drop a payload it has seen.
"""

from __future__ import annotations

import math
from typing import Any

SEVERITY_MARK = {
    "critical": ":red_circle:",
    "high": ":large_orange_circle:",
    "medium": ":large_yellow_circle:",
    "opportunity": ":chart_with_upwards_trend:",  # an expansion alert
}
EVENT_TYPE = "customer_health_alert"
# Slack's limits: 3,000 characters in a section's text, 150 in a header, 2,000 in a field
_SECTION_LIMIT = 2900


def _text(value: Any, default: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return default
    return str(value)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(value: Any) -> str:
    text = _text(value)
    if not text:
        return "n/a"
    try:
        return f"{float(text):.0f}"
    except ValueError:
        return text


def crm_url(template: str | None, alert: dict[str, Any]) -> str | None:
    """The CRM record's address from a template such as
    ``https://example.my.salesforce.com/{crm_account_id}`` (``{account_id}`` works too)."""
    if not template:
        return None
    ids = {"crm_account_id": _text(alert.get("crm_account_id") or alert.get("account_id"))}
    ids["account_id"] = _text(alert.get("account_id"))
    return template.format_map(ids)


def alert_title(alert: dict[str, Any]) -> str:
    kind = _text(alert.get("alert_type")).replace("_", " ")
    name = _text(alert.get("account_name")) or _text(alert.get("account_id"))
    return f"{kind.capitalize()}: {name}"


def build_payload(alert: dict[str, Any], key: str, url_template: str | None) -> dict[str, Any]:
    """The message for one alert (a row of marts.mart_health_alerts with the account's name,
    segment and ARR from marts.mart_account_health; an expansion alert names its score and
    tier in ``score_label``, ``score`` and ``tier``, and its play)."""
    severity = _text(alert.get("severity"), "medium")
    mark = SEVERITY_MARK.get(severity, ":bell:")
    name = _text(alert.get("account_name")) or _text(alert.get("account_id"))
    account_id = _text(alert.get("crm_account_id") or alert.get("account_id"))
    owner = _text(alert.get("owner_csm"), "unassigned")
    label = _text(alert.get("score_label"), "Score")
    score = _number(alert.get("score", alert.get("health_score")))
    tier = _text(alert.get("tier", alert.get("health_tier")), "n/a").replace("_", " ")
    cause = _text(alert.get("cause"), "no cause recorded")
    action = _text(alert.get("recommended_action"), "no playbook action")
    if _text(alert.get("expansion_play")):
        action = f"{_text(alert.get('expansion_play')).replace('_', ' ')}: {action}"
    link = crm_url(url_template, alert)
    title = alert_title(alert)

    why = cause if cause.rstrip().endswith((".", "!", "?")) else f"{cause}."
    fallback = (
        f"{title} ({account_id}) — {label.lower()} {score}, {tier}; owner {owner}. "
        f"Why: {why} Next: {action}"
    )
    fields = [
        f"*Account*\n{name} (`{account_id}`)",
        f"*Owner*\n{owner}",
        f"*{label}*\n{score} / 100",
        f"*Tier*\n{tier}",
    ]
    if _text(alert.get("segment")):
        fields.append(f"*Segment*\n{_text(alert.get('segment')).replace('_', ' ')}")
    if _text(alert.get("alert_date")):
        fields.append(f"*Alert date*\n{_text(alert.get('alert_date'))[:10]}")
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _clip(f"{title}", 150), "emoji": True},
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"{mark} *{severity}* alert"},
            "fields": [{"type": "mrkdwn", "text": _clip(f, 2000)} for f in fields],
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": _clip(f"*Why*\n{cause}", _SECTION_LIMIT)},
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": _clip(f"*What to do*\n{action}", _SECTION_LIMIT)},
        },
    ]
    if link:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open in CRM"},
                        "url": link,
                        "action_id": "open_crm_record",
                    }
                ],
            }
        )
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"alert `{_text(alert.get('alert_id'))}` · idempotency key `{key}`",
                }
            ],
        }
    )
    return {
        "text": _clip(fallback, 3000),
        "blocks": blocks,
        "metadata": {
            "event_type": EVENT_TYPE,
            "event_payload": {
                "alert_id": _text(alert.get("alert_id")),
                "idempotency_key": key,
                "account_id": _text(alert.get("account_id")),
                "crm_account_id": account_id,
                "alert_type": _text(alert.get("alert_type")),
                "severity": severity,
                "crm_url": link or "",
            },
        },
    }
