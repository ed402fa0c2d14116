"""The commercial timeline: renewals and their decisions, seat changes, and the tables that
record them (``crm.contracts``, ``crm.opportunities``, ``billing.subscriptions``,
``billing.plan_changes``, ``product.seats``).

At every renewal inside the window the account is lost with the probability the hidden state
on the renewal date gives (:meth:`.hidden.Dynamics.churn_probability`); a lost renewal ends the
contract and the subscription on that date, and the account's data stops there. Renewals before
the window were all kept (the book is the accounts that were customers when the window opened).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from customer_health.second_world.common import (
    NEVER,
    World,
    add_months,
    frame,
    ids,
    point_lookup,
)
from customer_health.second_world.expansion import Demand, weekly_checks
from customer_health.second_world.params import PLAN_PRICE_USD, PLANS, SEAT_CHANGES

#: Opportunities for a renewal up to this many days after the end are in the CRM, open.
OPEN_RENEWAL_DAYS = 120


@dataclass
class _Ledger:
    """Rows collected while the accounts are walked."""

    contracts: list[tuple[Any, ...]] = field(default_factory=list)
    opportunities: list[tuple[Any, ...]] = field(default_factory=list)
    changes: list[tuple[Any, ...]] = field(default_factory=list)
    points: list[tuple[int, int, int, int, float]] = field(default_factory=list)
    subscriptions: list[tuple[Any, ...]] = field(default_factory=list)
    demand: list[tuple[int, int, float]] = field(default_factory=list)


def renewal_schedule(w: World) -> tuple[np.ndarray, np.ndarray]:
    """Every renewal date of every account from its signature up to the first one after the
    end: (account, day), sorted by account and day."""
    shortest = int(w.term_months.min()) * 28
    k_max = (w.end - int(w.signed.min())) // shortest + 2
    k = np.arange(1, k_max + 1)
    acct = np.repeat(np.arange(w.n), k.size)
    months = np.tile(k, w.n) * w.term_months[acct]
    day = (add_months(w.dates(w.signed[acct]), months) - w.day0).astype(np.int64)
    previous = np.concatenate([[0], day[:-1]])
    first_after = (day > w.end) & ((previous <= w.end) | (np.tile(k, w.n) == 1))
    keep = (day <= w.end) | first_after
    return acct[keep], day[keep]


def decide_renewals(w: World) -> pd.DataFrame:
    """Decide every renewal inside the window; set ``w.churned``. Returns the decisions:
    account, day, probability on the day, lost."""
    rng = w.rng("renewals")
    acct, day = renewal_schedule(w)
    inside = (day >= w.window_start) & (day <= w.end)
    a, d = acct[inside], day[inside]
    prob = w.dynamics.churn_probability(w.hidden.on(a, d), rows=a)
    lost = rng.random(a.size) < prob
    churned = np.full(w.n, NEVER, dtype=np.int64)
    np.minimum.at(churned, a[lost], d[lost])
    w.churned = churned
    live = d <= churned[a]  # renewals after a lost one never happen
    w.schedule = (acct, day)
    return pd.DataFrame(
        {"account": a[live], "day": d[live], "probability": prob[live], "lost": lost[live]}
    )


def _seat_events(w: World, rng: np.random.Generator) -> dict[int, list[tuple[int, int, str]]]:
    """Mid-term changes per account: (day, order, kind) with kind 'cut' (seats, some weeks after
    the budget turns distressed) or 'growth' (a team adopts, while fit and momentum are good)."""
    h = w.hidden
    seg = w.segment
    events: dict[int, list[tuple[int, int, str]]] = {i: [] for i in range(w.n)}
    distressed = (h.budget[:, 1:] == 2) & (h.budget[:, :-1] != 2)
    share = np.asarray(SEAT_CHANGES["distress_cut_share"])[seg]
    for i, t in zip(*np.nonzero(distressed), strict=True):
        if rng.random() < share[i]:
            events[int(i)].append((int(t) + 1 + int(rng.integers(7, 31)), 1, "cut"))
    rate = np.asarray(SEAT_CHANGES["growth_rate"])[seg][:, None] / 365.0
    good = 1.0 / (1.0 + np.exp(-2.0 * (h.fit - 0.3))) * (h.momentum > -0.3)
    grow = rng.random(good.shape) < rate * good
    for i, t in zip(*np.nonzero(grow), strict=True):
        events[int(i)].append((int(t), 2, "growth"))
    return events


def build_commercial(w: World, decisions: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Walk every account's timeline and return its tables."""
    rng = w.rng("commercial")
    ledger = _Ledger()
    lost = decisions[decisions["lost"]]
    lost_days = set(zip(lost["account"].tolist(), lost["day"].tolist(), strict=True))
    seat_events = _seat_events(w, rng)
    xrng = w.rng("expansion")
    acct, day = w.schedule
    starts = np.searchsorted(acct, np.arange(w.n + 1))
    for i in range(w.n):
        renewals = [(int(d), 0, "renewal") for d in day[starts[i] : starts[i + 1]]]
        events = renewals + seat_events[i] + weekly_checks(w, i, xrng)
        demand = Demand(w, i, int(w.seats0[i]), xrng, ledger.demand)
        _walk(w, i, events, lost_days, rng, ledger, demand)
    return _tables(w, ledger)


def _walk(
    w: World,
    i: int,
    events: list[tuple[int, int, str]],
    lost_days: set[tuple[int, int]],
    rng: np.random.Generator,
    ledger: _Ledger,
    demand: Demand,
) -> None:
    """One account's history: renewals (with their decisions), seat cuts, teams adopting and
    the purchase requests of a waitlist (expansion.py)."""
    first_day = max(int(w.signed[i]), w.window_start)
    seats, plan = int(w.seats0[i]), int(w.plan0[i])

    def mrr(s: int, p: int) -> float:
        return s * round(PLAN_PRICE_USD[p] * float(w.price_factor[i]), 2)

    term_start, term_arr = int(w.signed[i]), 12 * mrr(seats, plan)
    ledger.points.append((i, int(w.signed[i]), seats, plan, mrr(seats, plan)))
    last_change = int(w.signed[i])

    def change(d: int, kind: str, new_seats: int, new_plan: int) -> None:
        nonlocal seats, plan, last_change
        ledger.changes.append(
            (i, d, kind, seats, new_seats, mrr(seats, plan), mrr(new_seats, new_plan))
        )
        seats, plan, last_change = new_seats, new_plan, d
        ledger.points.append((i, d, seats, plan, mrr(seats, plan)))

    heapq.heapify(events)
    while events:
        d, _, kind = heapq.heappop(events)
        if kind == "renewal" and d > w.end:
            ledger.contracts.append((i, term_start, d, term_arr, "active"))
            if d <= w.end + OPEN_RENEWAL_DAYS:
                arr = 12 * mrr(seats, plan)
                ledger.opportunities.append((i, "renewal", "open", d, arr, arr, w.end))
            break
        if kind == "renewal":
            arr = 12 * mrr(seats, plan)
            if (i, d) in lost_days:
                ledger.contracts.append((i, term_start, d, term_arr, "churned"))
                ledger.opportunities.append((i, "renewal", "closed_lost", d, arr, arr, d))
                break
            if d >= w.window_start:
                new_seats, new_plan, ctype = _renewal_change(w, i, d, seats, plan, rng)
                if ctype:
                    change(d, ctype, new_seats, new_plan)
            new_arr = 12 * mrr(seats, plan)
            ledger.contracts.append((i, term_start, d, term_arr, "renewed"))
            ledger.opportunities.append((i, "renewal", "closed_won", d, new_arr, arr, d))
            term_start, term_arr = d, new_arr
            continue
        if kind == "answer" and d == last_change and d < w.churned[i]:
            heapq.heappush(events, (d + 1, 4, "answer"))  # one change a day: answer tomorrow
            continue
        if d < first_day or d > w.end or d >= w.churned[i] or d == last_change:
            continue
        if kind == "cut":
            lo, hi = SEAT_CHANGES["cut_fraction"]
            new_seats = max(1, round(seats * (1 - rng.uniform(lo, hi))))
            new_plan = 3 if plan == 2 and rng.random() < 0.3 else plan
            demand.cut(d, new_seats / seats)
            if new_plan != plan:
                change(d, "downgrade", new_seats, new_plan)
            elif new_seats < seats:
                change(d, "seat_change", new_seats, plan)
        elif kind == "growth":
            demand.team_adopts(d)
        elif kind == "check":
            answer = demand.request(d, seats)
            if answer is not None and answer > w.end:  # still under review when the data ends
                wanted = max(seats + 1, int(np.ceil(demand.value)))
                amount = 12 * (mrr(wanted, plan) - mrr(seats, plan))
                ledger.opportunities.append(
                    (i, "expansion", "open", answer, amount, 12 * mrr(seats, plan), d)
                )
            elif answer is not None:
                heapq.heappush(events, (answer, 4, "answer"))
        else:  # procurement answers a purchase request
            bought = demand.answer(d)
            before = 12 * mrr(seats, plan)
            if bought is not None and bought > seats:
                change(d, "seat_change", bought, plan)
                stage = "closed_won"
            else:  # refused (or nothing left to buy: a cut took the demand below the seats)
                stage = "closed_lost"
            wanted = max(seats, int(np.ceil(demand.value)))
            ledger.opportunities.append(
                (i, "expansion", stage, d, 12 * mrr(wanted, plan) - before, before, d)
            )
    ledger.subscriptions.append((i, PLANS[plan], seats, mrr(seats, plan)))


def _renewal_change(
    w: World, i: int, d: int, seats: int, plan: int, rng: np.random.Generator
) -> tuple[int, int, str]:
    """A kept renewal's new seats and plan: fewer under budget pressure, more with good fit."""
    regime = int(w.hidden.budget[i, d])
    share = SEAT_CHANGES["renewal_downgrade_share"]
    p_down = {0: 0.0, 1: share["squeezed"], 2: share["distressed"]}[regime]
    if rng.random() < p_down:
        new_seats = max(1, round(seats * rng.uniform(0.7, 0.9)))
        new_plan = 3 if plan == 2 and (new_seats == seats or rng.random() < 0.3) else plan
        if new_seats < seats or new_plan != plan:
            return new_seats, new_plan, "downgrade"
        return seats, plan, ""
    if w.hidden.fit[i, d] > SEAT_CHANGES["renewal_upgrade_fit"] and w.hidden.momentum[i, d] > 0:
        return seats + max(1, round(seats * rng.uniform(0.1, 0.3))), plan, "upgrade"
    return seats, plan, ""


def _tables(w: World, ledger: _Ledger) -> dict[str, pd.DataFrame]:
    rng = w.rng("loading", 2)
    cur = np.array(["USD", "EUR", "GBP", "CAD"], dtype=object)
    hour = 3_600_000_000

    c = np.array(ledger.contracts, dtype=object).reshape(-1, 5)
    a = c[:, 0].astype(np.int64)
    start, renew = c[:, 1].astype(np.int64), c[:, 2].astype(np.int64)
    status = c[:, 4].astype(object)
    touched = np.where(status == "active", np.maximum(start, w.window_start), renew)
    contracts = frame(
        "crm.contracts",
        {
            "contract_id": ids("CTR-", np.arange(a.size), 6),
            "account_id": w.account_ids[a],
            "start_date": w.dates(start),
            "end_date": w.dates(renew - 1),
            "renewal_date": w.dates(renew),
            "arr_amount": np.round(c[:, 3].astype(np.float64), 2),
            "currency": cur[w.currency[a]],
            "status": status,
        },
        w.day_us(np.minimum(touched, w.end)) + 10 * hour + rng.integers(0, 8 * hour, a.size),
    )

    o = np.array(ledger.opportunities, dtype=object).reshape(-1, 7)
    a = o[:, 0].astype(np.int64)
    opportunities = frame(
        "crm.opportunities",
        {
            "opportunity_id": ids("OPP-", np.arange(a.size), 6),
            "account_id": w.account_ids[a],
            "opportunity_type": o[:, 1].astype(object),
            "stage": o[:, 2].astype(object),
            "close_date": w.dates(o[:, 3].astype(np.int64)),
            "amount": np.round(o[:, 4].astype(np.float64), 2),
            "previous_amount": np.round(o[:, 5].astype(np.float64), 2),
            "currency": cur[w.currency[a]],
        },
        w.day_us(np.minimum(o[:, 6].astype(np.int64), w.end))
        + 12 * hour
        + rng.integers(0, 10 * hour, a.size),
    )

    s = np.array(ledger.subscriptions, dtype=object).reshape(-1, 4)
    a = s[:, 0].astype(np.int64)
    lost = w.churned[a] < NEVER
    cancelled = np.where(lost, w.day_us(np.minimum(w.churned[a], w.end)), -1)
    subscriptions = frame(
        "billing.subscriptions",
        {
            "subscription_id": w.subscription_ids[a],
            "account_id": w.account_ids[a],
            "plan": s[:, 1].astype(object),
            "seats": s[:, 2].astype(np.int64),
            "mrr_amount": np.round(s[:, 3].astype(np.float64), 2),
            "currency": cur[w.currency[a]],
            "status": np.where(lost, "cancelled", "active").astype(object),
            "started_at": w.day_us(w.signed[a]),
            "cancelled_at": cancelled,
        },
        np.maximum(cancelled, w.day_us(np.full(a.size, w.end)))
        + 2 * hour
        + rng.integers(0, 3 * hour, a.size),
    )

    ch = np.array(ledger.changes, dtype=object).reshape(-1, 7)
    a = ch[:, 0].astype(np.int64)
    changed = w.day_us(ch[:, 1].astype(np.int64))
    plan_changes = frame(
        "billing.plan_changes",
        {
            "change_id": ids("PC-", np.arange(a.size), 6),
            "subscription_id": w.subscription_ids[a],
            "account_id": w.account_ids[a],
            "change_type": ch[:, 2].astype(object),
            "seats_before": ch[:, 3].astype(np.int64),
            "seats_after": ch[:, 4].astype(np.int64),
            "mrr_before": np.round(ch[:, 5].astype(np.float64), 2),
            "mrr_after": np.round(ch[:, 6].astype(np.float64), 2),
            "currency": cur[w.currency[a]],
            "changed_at": changed,
        },
        changed + hour + rng.integers(0, 12 * hour, a.size),
    )

    p = np.array(ledger.points, dtype=np.float64).reshape(-1, 5)
    w.seat_points = p  # account, day, seats, plan, mrr; sorted by account and day
    demand = np.array(ledger.demand, dtype=np.float64).reshape(-1, 3)
    order = np.lexsort((np.arange(len(demand)), demand[:, 1], demand[:, 0]))
    w.demand_points = demand[order]  # account, day, demand; sorted by account and day
    a, eff = p[:, 0].astype(np.int64), p[:, 1].astype(np.int64)
    seats = frame(
        "product.seats",
        {
            "account_id": w.account_ids[a],
            "effective_date": w.dates(eff),
            "licensed_seats": p[:, 2].astype(np.int64),
        },
        w.day_us(np.maximum(eff, w.window_start)) + 3 * hour + rng.integers(0, 6 * hour, a.size),
    )
    return {
        "crm.contracts": contracts,
        "crm.opportunities": opportunities,
        "billing.subscriptions": subscriptions,
        "billing.plan_changes": plan_changes,
        "product.seats": seats,
    }


def value_on(w: World, accounts: np.ndarray, days: np.ndarray, column: int) -> np.ndarray:
    """The seats (column 2), plan (3) or MRR (4) of accounts on days (on or after signing)."""
    return point_lookup(w.seat_points, accounts, days, column)
