"""The finance family: invoices, payment attempts and disputes (``billing.invoices``,
``billing.payments``, ``billing.disputes``).

Invoices follow the account's invoicing period from its signature (monthly for SMB, quarterly
or annual above) and stop at a lost renewal. The budget regime on the day decides how payments
go: card payers fail and retry, and may be written off; bank transfers arrive late. Disputes
come with budget pressure too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_health.second_world.commercial import value_on
from customer_health.second_world.common import (
    US_PER_HOUR,
    World,
    add_months,
    frame,
    ids,
    lognormal_lag_us,
)
from customer_health.second_world.params import BUDGET, CARD, CURRENCIES, DISPUTES, TRANSFER


def _invoice_days(w: World) -> tuple[np.ndarray, np.ndarray]:
    """(account, issue day) of every invoice issued inside the window while a customer."""
    k_max = (w.end - int(w.signed.min())) // 28 + 2
    k = np.arange(k_max)
    acct = np.repeat(np.arange(w.n), k.size)
    months = np.tile(k, w.n) * w.invoice_months[acct]
    day = (add_months(w.dates(w.signed[acct]), months) - w.day0).astype(np.int64)
    keep = (day >= w.window_start) & (day <= w.end) & (day < w.churned[acct])
    return acct[keep], day[keep]


def build_billing(w: World) -> dict[str, pd.DataFrame]:
    rng = w.rng("billing")
    a, issued = _invoice_days(w)
    m = a.size
    amount = np.round(value_on(w, a, issued, 4) * w.invoice_months[a], 2)
    due = issued + w.net_days[a]
    regime = w.hidden.budget[a, issued]
    cur = np.array(CURRENCIES, dtype=object)[w.currency[a]]
    invoice_ids = ids("in_", np.arange(m), 7)
    paid = np.full(m, -1, dtype=np.int64)  # paid day, -1 while unpaid
    written_off = np.zeros(m, dtype=bool)
    pay_rows: list[tuple[int, int, bool, int]] = []  # invoice, day, succeeded, reason
    card = w.pays_by_card[a]
    for j in np.flatnonzero(card):
        day = int(issued[j])
        r = int(regime[j])
        for retry in (0, *CARD["retry_days"]):
            day += retry
            if day > w.end:
                break
            ok = rng.random() >= CARD["failure"][r]
            pay_rows.append((j, day, ok, int(rng.integers(0, len(CARD["reasons"])))))
            if ok:
                paid[j] = day
                break
        else:
            if rng.random() < CARD["write_off"][r]:
                written_off[j] = True
            else:
                day += int(rng.integers(*CARD["manual_delay_days"]))
                if day <= w.end:
                    pay_rows.append((j, day, True, 0))
                    paid[j] = day
    transfer = np.flatnonzero(~card)
    r = regime[transfer]
    late = rng.normal(np.asarray(TRANSFER["late_mean"])[r], TRANSFER["late_sd"])
    late += rng.exponential(np.asarray(TRANSFER["late_tail"])[r])
    day = np.maximum(issued[transfer] + 1, due[transfer] + np.round(late).astype(np.int64))
    failed = rng.random(transfer.size) < TRANSFER["failure"]
    retry = day + rng.integers(2, 7, transfer.size)
    for j, d, f, d2 in zip(transfer, day, failed, retry, strict=True):
        if d > w.end:
            continue
        if f:
            pay_rows.append((int(j), int(d), False, len(CARD["reasons"])))
            d = d2
            if d > w.end:
                continue
        pay_rows.append((int(j), int(d), True, 0))
        paid[j] = d
    status = np.where(paid >= 0, "paid", np.where(written_off, "uncollectible", "open"))
    touched = np.where(paid >= 0, paid, np.where(written_off, np.minimum(due + 30, w.end), issued))
    lag = lognormal_lag_us(rng, m, 5.0)
    invoices = frame(
        "billing.invoices",
        {
            "invoice_id": invoice_ids,
            "account_id": w.account_ids[a],
            "amount": amount,
            "currency": cur,
            "issued_date": w.dates(issued),
            "due_date": w.dates(due),
            "paid_date": np.where(paid >= 0, w.dates(np.maximum(paid, 0)), np.datetime64("NaT")),
            "status": status.astype(object),
        },
        w.day_us(np.minimum(touched, w.end)) + 8 * US_PER_HOUR + lag,
    )
    payments = _payments(w, pay_rows, a, amount, invoice_ids, cur, rng)
    disputes = _disputes(w, a, issued, paid, regime, amount, invoice_ids, cur, rng)
    return {
        "billing.invoices": invoices,
        "billing.payments": payments,
        "billing.disputes": disputes,
    }


def _payments(
    w: World,
    rows: list[tuple[int, int, bool, int]],
    a: np.ndarray,
    amount: np.ndarray,
    invoice_ids: np.ndarray,
    cur: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    p = np.array(rows, dtype=np.int64).reshape(-1, 4)
    p = p[np.lexsort((p[:, 1], p[:, 0]))]
    inv, day, ok, reason = p[:, 0], p[:, 1], p[:, 2].astype(bool), p[:, 3]
    reasons = np.array((*CARD["reasons"], "bank_transfer_returned"), dtype=object)
    at = w.day_us(day) + rng.integers(4 * US_PER_HOUR, 20 * US_PER_HOUR, inv.size)
    return frame(
        "billing.payments",
        {
            "payment_id": ids("py_", np.arange(inv.size), 7),
            "invoice_id": invoice_ids[inv],
            "account_id": w.account_ids[a[inv]],
            "amount": amount[inv],
            "currency": cur[inv],
            "attempted_at": at,
            "status": np.where(ok, "succeeded", "failed").astype(object),
            "failure_reason": np.where(ok, None, reasons[reason]),
        },
        at + lognormal_lag_us(rng, inv.size, 2.0),
    )


def _disputes(
    w: World,
    a: np.ndarray,
    issued: np.ndarray,
    paid: np.ndarray,
    regime: np.ndarray,
    amount: np.ndarray,
    invoice_ids: np.ndarray,
    cur: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    level = np.asarray(BUDGET["levels"])[regime]
    chance = DISPUTES["base"] + DISPUTES["per_budget"] * level
    hit = rng.random(a.size) < chance
    opened = np.where(paid >= 0, paid, issued) + rng.integers(3, 40, a.size)
    j = np.flatnonzero(hit & (opened <= w.end))
    chargeback = w.pays_by_card[a[j]] & (paid[j] >= 0)
    share = np.where(chargeback, 1.0, rng.uniform(0.2, 1.0, j.size))
    closes = opened[j] + rng.integers(20, 75, j.size)
    settled = closes <= w.end
    status = np.where(settled, np.where(rng.random(j.size) < 0.45, "won", "lost"), "open")
    at = w.day_us(opened[j]) + 10 * US_PER_HOUR
    updated = np.where(settled, w.day_us(closes), at)
    return frame(
        "billing.disputes",
        {
            "dispute_id": ids("dp_", np.arange(j.size), 5),
            "invoice_id": invoice_ids[j],
            "account_id": w.account_ids[a[j]],
            "amount": np.round(amount[j] * share, 2),
            "currency": cur[j],
            "dispute_type": np.where(chargeback, "chargeback", "dispute").astype(object),
            "opened_at": at,
            "status": status.astype(object),
        },
        updated + lognormal_lag_us(rng, j.size, 4.0),
    )
