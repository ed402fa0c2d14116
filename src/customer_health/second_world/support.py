"""The support family: tickets (``support.tickets``).

Support pain raises the ticket rate, the share of urgent and high tickets, the time to solve
them and lowers CSAT. Reopens are pure noise: a Poisson count independent of everything.
Tickets are rare in SMB and frequent in enterprise, and scale with the account's size.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_health.second_world.common import (
    US_PER_DAY,
    US_PER_HOUR,
    World,
    frame,
    ids,
    lognormal_lag_us,
)
from customer_health.second_world.params import SEATS_RANGE, SUPPORT
from customer_health.second_world.relationship import alive_days

PRIORITIES = ("urgent", "high", "normal", "low")
SUBJECTS: dict[str, tuple[str, ...]] = {
    "severe": (
        "Pipelines stuck in 'queued' since this morning",
        "Dashboards time out for every user",
        "Data missing after last night's sync",
        "SSO login loop",
    ),
    "routine": (
        "How do I share a dashboard with a guest?",
        "Forecast differs from our spreadsheet",
        "Please add two admins",
        "CSV export drops the last column",
        "Question about the invoice address",
        "Alert rule fires twice",
    ),
}


def build_tickets(w: World) -> pd.DataFrame:
    rng = w.rng("support")
    seg = w.segment
    days = np.arange(w.window_start, w.end + 1)
    pain = w.hidden.pain[:, days]
    typical = np.sqrt(np.array([lo * hi for lo, hi in SEATS_RANGE], dtype=np.float64))[seg]
    size = (w.seats0 / typical) ** 0.4 * np.exp(rng.normal(0.0, 0.4, w.n))
    base = np.asarray(SUPPORT["tickets_per_month"])[seg] / 30.0 * size
    rate = base[:, None] * (1.0 + SUPPORT["pain_rate"] * pain) * alive_days(w)
    count = rng.poisson(rate)
    a, d = np.nonzero(count)
    a, d = np.repeat(a, count[a, d]), np.repeat(d, count[a, d])
    p = pain[a, d]
    m = a.size
    severe = rng.random(m) < 1 / (
        1 + np.exp(-(SUPPORT["severe_logit"] + SUPPORT["severe_per_pain"] * p))
    )
    prio = np.where(
        severe, np.where(rng.random(m) < 0.3, 0, 1), np.where(rng.random(m) < 0.7, 2, 3)
    )
    priority = np.array(PRIORITIES, dtype=object)[prio]
    created = w.day_us(d + w.window_start) + rng.integers(6 * US_PER_HOUR, 22 * US_PER_HOUR, m)
    target = np.array([SUPPORT["resolution_hours"][x] for x in PRIORITIES])[prio]
    hours = target * np.exp(SUPPORT["pain_slowdown"] * p + rng.normal(0.0, 0.7, m))
    solved = created + (hours * US_PER_HOUR).astype(np.int64)
    response = created + (hours * rng.uniform(0.03, 0.35, m) * US_PER_HOUR).astype(np.int64)
    export = w.day_us(np.array([w.end + 1]))[0]  # the data runs to the end of the last day
    done = solved < export
    responded = response < export
    age = export - created
    open_status = np.where(
        age < US_PER_DAY, "new", np.where(rng.random(m) < 0.5, "open", "pending")
    )
    status = np.where(
        done, np.where(solved < export - 4 * US_PER_DAY, "closed", "solved"), open_status
    )
    answered = done & (rng.random(m) < SUPPORT["csat_answer_share"])
    csat = np.clip(np.round(4.2 - 0.7 * p + rng.normal(0.0, 0.9, m)), 1, 5).astype(np.int64)
    reopened = rng.poisson(SUPPORT["reopen_mean"], m)  # noise: nothing drives it
    kind = np.where(severe, "severe", "routine")
    pick = rng.integers(0, 12, m)
    subject = np.array(
        [SUBJECTS[k][j % len(SUBJECTS[k])] for k, j in zip(kind, pick, strict=True)], dtype=object
    )
    requester = _requesters(w, a, rng)
    touched = np.where(done, solved, np.where(responded, response, created))
    return frame(
        "support.tickets",
        {
            "ticket_id": ids("", np.arange(m) + 40_000, 6),
            "account_id": w.account_ids[a],
            "requester_id": requester,
            "priority": priority,
            "status": status.astype(object),
            "created_at": created,
            "first_response_at": np.where(responded, response, -1),
            "solved_at": np.where(done, solved, -1),
            "reopened_count": np.where(done, reopened, 0),
            "csat_score": pd.array(np.where(answered, csat, None).tolist(), dtype="Int64"),
            "subject": subject,
        },
        np.minimum(touched, export) + lognormal_lag_us(rng, m, 1.0),
    )


def _requesters(w: World, acct: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A contact of the account (admins and users file tickets) per ticket, or None."""
    c = w.contacts
    pool = c[c["role"].isin(["admin", "user"])]
    by_account = pool.groupby("account").indices
    out = np.full(acct.size, None, dtype=object)
    for i, rows in by_account.items():
        sel = np.flatnonzero(acct == i)
        if sel.size:
            chosen = pool.index.to_numpy()[rows][rng.integers(0, rows.size, sel.size)]
            out[sel] = w.contact_ids[chosen]
    return out
