"""Rows of every source family that arrive late: dated a few days back, loaded only now. The
incremental tests plant them before a nightly run (on DuckDB and on Postgres, so the SQL is
portable) and check the run picks them up exactly as a full refresh would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from customer_health.warehouse import Warehouse


@dataclass
class LateAccounts:
    support: str  # gets an urgent ticket, still open
    touch: str  # gets a meeting
    finance: str  # gets an invoice ten days overdue and a failed payment


def plant_late_rows(wh: Warehouse, accounts: LateAccounts, as_of: date, late_day: date) -> None:
    """Insert one late row per family: a ticket and a meeting on ``late_day``, an invoice due ten
    days before ``as_of`` and its payment that failed on ``late_day``."""
    currency = wh.query_df(
        "select max(currency) as c from raw_billing.invoices "
        f"where account_id = '{accounts.finance}'"
    )["c"][0]
    wh.execute(
        "insert into raw_support.tickets (ticket_id, account_id, requester_id, priority, status, "
        "created_at, first_response_at, solved_at, reopened_count, csat_score, subject, org_id, "
        "_loaded_at, _is_deleted) "
        f"values ('TLATE1', '{accounts.support}', null, 'urgent', 'open', "
        f"timestamptz '{late_day} 09:00:00+00', null, null, 0, null, 'Exports fail', null, "
        "now(), false)",
        "insert into raw_crm.activities (activity_id, account_id, contact_id, activity_type, "
        "outcome, occurred_at, org_id, _loaded_at, _is_deleted) "
        f"values ('ACTLATE1', '{accounts.touch}', null, 'meeting', 'held', "
        f"timestamptz '{late_day} 15:00:00+00', null, now(), false)",
        "insert into raw_billing.invoices (invoice_id, account_id, amount, currency, issued_date, "
        "due_date, paid_date, status, org_id, _loaded_at, _is_deleted) "
        f"values ('INVLATE1', '{accounts.finance}', 5000, '{currency}', "
        f"date '{as_of - timedelta(days=40)}', date '{as_of - timedelta(days=10)}', null, "
        "'open', null, now(), false)",
        "insert into raw_billing.payments (payment_id, invoice_id, account_id, amount, currency, "
        "attempted_at, status, failure_reason, org_id, _loaded_at, _is_deleted) "
        f"values ('PAYLATE1', 'INVLATE1', '{accounts.finance}', 5000, '{currency}', "
        f"timestamptz '{late_day} 06:00:00+00', 'failed', 'card_declined', null, now(), false)",
    )
