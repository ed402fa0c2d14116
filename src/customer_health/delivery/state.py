"""Delivery state, kept in the warehouse next to the marts it describes (DECISIONLOG 37).

``delivery.alert_deliveries`` has one row per alert and channel: ``attempted`` is written before
a webhook call, ``delivered`` after the receiver accepted it, ``failed`` when it refused or the
attempts ran out (the next run tries again). ``delivery.score_exports`` has one row per account:
the hash of the values last written for the CRM, so an export writes only what changed.

Both tables are created when missing, on DuckDB and on Postgres, with portable SQL
(``insert ... on conflict ... do update``, which both engines understand).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from customer_health.warehouse import Warehouse

SCHEMA = "delivery"
ALERT_DELIVERIES = f"{SCHEMA}.alert_deliveries"
SCORE_EXPORTS = f"{SCHEMA}.score_exports"

ATTEMPTED, DELIVERED, FAILED = "attempted", "delivered", "failed"

_DDL = (
    f"create schema if not exists {SCHEMA}",
    f"""create table if not exists {ALERT_DELIVERIES} (
        alert_id varchar not null,
        channel varchar not null,
        idempotency_key varchar not null,
        account_id varchar,
        alert_date date,
        status varchar not null,
        attempts integer not null,
        http_status integer,
        last_error varchar,
        first_attempted_at timestamp,
        last_attempted_at timestamp,
        delivered_at timestamp,
        primary key (alert_id, channel)
    )""",
    f"""create table if not exists {SCORE_EXPORTS} (
        account_id varchar not null,
        crm_account_id varchar,
        row_hash varchar not null,
        score_date date,
        exported_at timestamp not null,
        primary key (account_id)
    )""",
)


def idempotency_key(alert_id: str, channel: str) -> str:
    """The same key for an alert on a channel, on every attempt and every run, so a receiver
    that saw it before can drop the duplicate."""
    return hashlib.sha256(f"{alert_id}|{channel}".encode()).hexdigest()[:32]


def ensure_tables(wh: Warehouse) -> None:
    """Create the delivery schema and its tables when missing."""
    wh.execute(*_DDL)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def _sql(wh: Warehouse, statement: str) -> str:
    """``?`` placeholders for DuckDB, ``%s`` for psycopg2."""
    return statement if wh.engine == "duckdb" else statement.replace("?", "%s")


def _run(wh: Warehouse, statement: str, rows: Sequence[Sequence[Any]]) -> None:
    if not rows:
        return
    with wh.connect() as con:
        con.cursor().executemany(_sql(wh, statement), [tuple(row) for row in rows])


@dataclass(frozen=True)
class AlertState:
    status: str
    attempts: int


def alert_states(wh: Warehouse, channel: str) -> dict[str, AlertState]:
    """Every alert this channel has a state for, by alert id."""
    with wh.connect() as con:
        cur = con.cursor()
        query = f"select alert_id, status, attempts from {ALERT_DELIVERIES} where channel = ?"
        cur.execute(_sql(wh, query), (channel,))
        return {str(a): AlertState(str(s), int(n)) for a, s, n in cur.fetchall()}


def mark_attempted(
    wh: Warehouse, alert_id: str, channel: str, account_id: str, alert_date: Any
) -> None:
    """Written (and committed) before the call: a crash after it leaves ``attempted``, and the
    next run sends again with the same idempotency key."""
    now = _now()
    _run(
        wh,
        f"""insert into {ALERT_DELIVERIES} (alert_id, channel, idempotency_key, account_id,
            alert_date, status, attempts, first_attempted_at, last_attempted_at)
        values (?, ?, ?, ?, ?, '{ATTEMPTED}', 1, ?, ?)
        on conflict (alert_id, channel) do update set
            status = '{ATTEMPTED}',
            attempts = {ALERT_DELIVERIES}.attempts + 1,
            last_attempted_at = excluded.last_attempted_at""",
        [
            (
                alert_id,
                channel,
                idempotency_key(alert_id, channel),
                account_id,
                alert_date,
                now,
                now,
            )
        ],
    )


def mark_outcome(
    wh: Warehouse,
    alert_id: str,
    channel: str,
    delivered: bool,
    http_status: int | None,
    error: str | None,
) -> None:
    """``delivered`` once the receiver accepted the alert, else ``failed`` with the reason."""
    now = _now()
    _run(
        wh,
        f"""update {ALERT_DELIVERIES}
        set status = ?, http_status = ?, last_error = ?, delivered_at = ?
        where alert_id = ? and channel = ?""",
        [
            (
                DELIVERED if delivered else FAILED,
                http_status,
                None if delivered else (error or "")[:500],
                now if delivered else None,
                alert_id,
                channel,
            )
        ],
    )


def export_hashes(wh: Warehouse) -> dict[str, str]:
    """The hash of the values last exported, by account id."""
    frame = wh.query_df(f"select account_id, row_hash from {SCORE_EXPORTS}")
    return dict(zip(frame["account_id"].astype(str), frame["row_hash"].astype(str), strict=True))


def record_exports(wh: Warehouse, rows: Iterable[tuple[str, str, str, Any]]) -> None:
    """Remember what was exported: (account_id, crm_account_id, row_hash, score_date)."""
    now = _now()
    _run(
        wh,
        f"""insert into {SCORE_EXPORTS} (account_id, crm_account_id, row_hash, score_date,
            exported_at)
        values (?, ?, ?, ?, ?)
        on conflict (account_id) do update set
            crm_account_id = excluded.crm_account_id,
            row_hash = excluded.row_hash,
            score_date = excluded.score_date,
            exported_at = excluded.exported_at""",
        [(a, c, h, d, now) for a, c, h, d in rows],
    )
