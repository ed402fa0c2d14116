"""Commercial history: contracts, renewals and the churn decisions, plan and seat changes,
opportunities and subscriptions (crm.contracts, crm.opportunities, billing.subscriptions,
billing.plan_changes, product.seats and truth.renewals).
"""

from __future__ import annotations

import heapq
from datetime import timedelta
from typing import Any

import numpy as np

from customer_health.generator.block import (
    FAR,
    HOUR_US,
    NULL,
    PRE_WEEKS,
    BlockBase,
    Table,
    add_years,
    days_to_us,
    sigmoid,
    transpose,
)
from customer_health.generator.params import (
    CHURN_MODEL,
    CURRENCIES,
    DOWNGRADES,
    FAMILIES,
    FX,
    MESS,
    PLAN_PRICE_USD,
    PLANS,
    PLANTED_DRIVERS,
    SEGMENTS,
)


class Commercial(BlockBase):
    """Walks each account's commercial timeline and decides churn at every renewal."""

    def _mrr(self, i: int, plan: int, seats: int) -> float:
        price = round(PLAN_PRICE_USD[plan] * FX[self.currency[i]])
        return float(seats * price + round(self.fee[i] * FX[self.currency[i]]))

    def _commercial(self) -> None:
        """Contracts, renewals (churn decisions), plan and seat changes, opportunities."""
        rng, p = self.rng, self.p
        start_date = p.start_date
        budget = self._shock_days("budget_cut")
        crisis = self._shock_days("company_crisis")
        # financial distress: seat cuts and downgrades outside renewals, more often when the
        # finance latent is low (weekly hazard DOWNGRADES["distress_rate"] / 52 * (1 - L)^2)
        fin_w = self.latent["finance"][:, PRE_WEEKS : PRE_WEEKS + p.window_weeks]
        distress = rng.random(fin_w.shape) < DOWNGRADES["distress_rate"] / 52 * (1 - fin_w) ** 2
        use_w = self.latent["usage"]
        rollout = self._shock_days("successful_rollout")
        lb_far, lb_near = CHURN_MODEL["lookback_days"]
        weights = np.array([[PLANTED_DRIVERS[s][f] for f in FAMILIES] for s in SEGMENTS])
        fam = np.stack([self.latent[f] for f in FAMILIES])  # (4, n, K)
        contracts: list[tuple[Any, ...]] = []
        opps: list[tuple[Any, ...]] = []
        changes: list[tuple[Any, ...]] = []
        seats_rows: dict[tuple[int, int], int] = {}
        timeline: list[tuple[int, int, float]] = []
        subs: list[tuple[Any, ...]] = []
        renewals: list[tuple[Any, ...]] = []
        churn_day = np.full(self.n, FAR, dtype=np.int64)
        self.contract_starts: list[tuple[int, int, float]] = []
        for i in range(self.n):
            seg = int(self.segment[i])
            plan, seats = int(self.plan0[i]), int(self.seats0[i])
            mrr = self._mrr(i, plan, seats)
            c0 = int(self.created[i])
            signed = start_date + timedelta(days=c0)
            timeline.append((i, c0, mrr))
            seats_rows[(i, c0)] = seats
            last_change = c0
            heap: list[tuple[int, int, str, Any]] = []
            order = 0
            year = 1
            while True:
                r = (add_years(signed, year) - start_date).days
                heap.append((r, order, "renewal", year))
                order += 1
                if r > self.end:
                    break
                year += 1
            for d in budget[i]:
                if rng.random() < 0.6:
                    heap.append((d + int(rng.integers(7, 46)), order, "cut", None))
                    order += 1
            for d in crisis[i]:
                if rng.random() < 0.5:
                    heap.append((d + int(rng.integers(14, 61)), order, "cut", None))
                    order += 1
            for d in rollout[i]:
                heap.append((d + int(rng.integers(14, 61)), order, "expansion", None))
                order += 1
            for d in np.flatnonzero(rng.random(self.p.days) < 0.4 / 365).tolist():
                if d >= c0:
                    heap.append((d, order, "drift", None))
                    order += 1
            for w in np.flatnonzero(distress[i]).tolist():
                d = w * 7 + int(rng.integers(0, 7))
                if d >= c0:
                    heap.append((d, order, "cut", None))
                    order += 1
            heapq.heapify(heap)
            k_start, arr = c0, 12 * mrr
            status = "active"
            while heap:
                day, _, kind, _ = heapq.heappop(heap)
                if kind == "renewal":
                    if day > self.end:
                        contracts.append((i, k_start, day - 1, day, arr, "active"))
                        if day <= self.end + 120:
                            opps.append((i, "renewal", "open", day, 12 * mrr, 12 * mrr, day - 120))
                        break
                    if day < 0:  # history before the window: survivors renewed flat
                        contracts.append((i, k_start, day - 1, day, arr, "renewed"))
                        opps.append((i, "renewal", "closed_won", day, 12 * mrr, 12 * mrr, day))
                        k_start, arr = day, 12 * mrr
                        continue
                    kf, kn = int(self._grid(day - lb_far)), int(self._grid(day - lb_near))
                    fam_means = fam[:, i, kf : kn + 1].mean(axis=1)
                    score = float(weights[seg] @ fam_means)
                    prob = float(
                        sigmoid(
                            CHURN_MODEL["intercept"][SEGMENTS[seg]]
                            + CHURN_MODEL["slope"] * (CHURN_MODEL["reference"] - score)
                        )
                    )
                    churned = rng.random() < prob
                    recorded = None
                    if churned:
                        u = rng.random()
                        recorded = (
                            "crm"
                            if u < MESS["churn_only_in_crm_share"]
                            else "billing"
                            if u
                            < MESS["churn_only_in_crm_share"] + MESS["churn_only_in_billing_share"]
                            else "both"
                        )
                    renewals.append((i, day, *fam_means.tolist(), score, prob, churned, recorded))
                    if churned:
                        churn_day[i] = day
                        status = "cancelled" if recorded != "crm" else "active"
                        contracts.append(
                            (
                                i,
                                k_start,
                                day - 1,
                                day,
                                arr,
                                "expired" if recorded == "billing" else "churned",
                            )
                        )
                        opps.append(
                            (
                                i,
                                "renewal",
                                "open" if recorded == "billing" else "closed_lost",
                                day,
                                12 * mrr,
                                12 * mrr,
                                day - 120 if recorded == "billing" else day,
                            )
                        )
                        break
                    prev = 12 * mrr
                    p_down = float(sigmoid(-2.0 + 10.0 * (0.55 - score)))
                    p_up = float(sigmoid(-2.0 + 10.0 * (score - 0.80)))
                    u = rng.random()
                    new_plan, new_seats, ctype = plan, seats, ""
                    if u < p_down:
                        if plan == 1 and rng.random() < 0.4:
                            new_plan, ctype = 0, "downgrade"
                        else:
                            new_seats = max(1, round(seats * rng.uniform(0.6, 0.9)))
                            ctype = "downgrade" if new_seats < seats else ""
                    elif u > 1 - p_up:
                        if plan == 0 and rng.random() < 0.4:
                            new_plan, ctype = 1, "upgrade"
                        else:
                            new_seats = round(seats * rng.uniform(1.1, 1.5))
                            ctype = "upgrade" if new_seats > seats else ""
                    contracts.append((i, k_start, day - 1, day, arr, "renewed"))
                    if ctype:
                        new_mrr = self._mrr(i, new_plan, new_seats)
                        changes.append((i, ctype, seats, new_seats, mrr, new_mrr, day))
                        plan, seats, mrr = new_plan, new_seats, new_mrr
                        seats_rows[(i, day)] = seats
                        timeline.append((i, day, mrr))
                        last_change = day
                    opps.append((i, "renewal", "closed_won", day, 12 * mrr, prev, day))
                    k_start, arr = day, 12 * mrr
                    if day >= 0:
                        self.contract_starts.append((i, day, arr))
                    continue
                if day > self.end:
                    continue
                new_plan, new_seats, ctype = plan, seats, ""
                if kind == "cut":
                    if plan == 1 and rng.random() < 0.3:
                        new_plan, ctype = 0, "downgrade"
                    else:
                        new_seats = max(1, round(seats * rng.uniform(0.6, 0.9)))
                        ctype = "seat_change" if new_seats < seats else ""
                elif kind == "expansion":
                    extra = max(1, round(seats * rng.uniform(0.15, 0.6)))
                    amount = 12 * (self._mrr(i, plan, seats + extra) - mrr)
                    stage = "closed_won" if rng.random() < 0.65 else "closed_lost"
                    opps.append((i, "expansion", stage, day, amount, 12 * mrr, day))
                    if stage == "closed_won":
                        if plan == 0 and rng.random() < 0.3:
                            new_plan, ctype = 1, "upgrade"
                        else:
                            new_seats, ctype = seats + extra, "seat_change"
                elif kind == "drift":
                    step = int(rng.integers(1, max(2, seats // 10 + 1) + 1))
                    p_up = 0.1 + 0.75 * float(use_w[i, self._grid(day)])
                    new_seats = max(1, seats + (step if rng.random() < p_up else -step))
                    ctype = "seat_change" if new_seats != seats else ""
                if ctype:
                    new_mrr = self._mrr(i, new_plan, new_seats)
                    changes.append((i, ctype, seats, new_seats, mrr, new_mrr, day))
                    plan, seats, mrr = new_plan, new_seats, new_mrr
                    seats_rows[(i, day)] = seats
                    timeline.append((i, day, mrr))
                    last_change = day
            # expansions still open at the end of the window
            for d in rollout[i]:
                close = d + 45
                if close > self.end and d < churn_day[i] and rng.random() < 0.5:
                    amount = 12 * (self._mrr(i, plan, seats + max(1, seats // 4)) - mrr)
                    opps.append((i, "expansion", "open", close, amount, 12 * mrr, d))
            cancelled = int(churn_day[i]) if status == "cancelled" else NULL
            subs.append(
                (
                    i,
                    PLANS[plan],
                    seats,
                    mrr,
                    status,
                    c0,
                    cancelled,
                    max(last_change, c0) if cancelled == NULL else cancelled,
                )
            )
        self.churn_day = churn_day
        self.alive_from = np.maximum(self.created, 0)
        self.alive_to = np.minimum(churn_day, self.p.days)
        self.timeline = np.array(timeline, dtype=np.float64).reshape(-1, 3)
        self.seats_rows = seats_rows
        self._commercial_tables(contracts, opps, changes, seats_rows, subs, renewals)

    def _commercial_tables(
        self,
        contracts: list[tuple[Any, ...]],
        opps: list[tuple[Any, ...]],
        changes: list[tuple[Any, ...]],
        seats_rows: dict[tuple[int, int], int],
        subs: list[tuple[Any, ...]],
        renewals: list[tuple[Any, ...]],
    ) -> None:
        cur = np.array(CURRENCIES, dtype=object)
        c = transpose(contracts, 6)
        acct = np.array(c[0], dtype=np.int64)
        status = np.array(c[5], dtype=object)
        renewal = np.array(c[3], dtype=np.int64)
        start = np.array(c[1], dtype=np.int64)
        base = np.where(np.isin(status, ["renewed", "churned", "expired"]), renewal, start)
        self._put(
            "crm.contracts",
            {
                "_acct": acct,
                "contract_id": self._new("contract", acct.size),
                "start_date": start,
                "end_date": np.array(c[2], dtype=np.int64),
                "renewal_date": renewal,
                "arr_amount": np.array(c[4], dtype=np.float64),
                "currency": cur[self.currency[acct]],
                "status": status,
            },
            self._day_us(np.minimum(base, self.end)) + 6 * HOUR_US,
            stale_contract,
        )

        o = transpose(opps, 7)
        acct = np.array(o[0], dtype=np.int64)
        self._put(
            "crm.opportunities",
            {
                "_acct": acct,
                "opportunity_id": self._new("opportunity", acct.size),
                "opportunity_type": np.array(o[1], dtype=object),
                "stage": np.array(o[2], dtype=object),
                "close_date": np.array(o[3], dtype=np.int64),
                "amount": np.round(np.array(o[4], dtype=np.float64), 2),
                "previous_amount": np.round(np.array(o[5], dtype=np.float64), 2),
                "currency": cur[self.currency[acct]],
            },
            self._day_us(np.minimum(np.array(o[6], dtype=np.int64), self.end)) + 9 * HOUR_US,
            stale_opportunity,
        )

        s = transpose(subs, 8)
        acct = np.array(s[0], dtype=np.int64)
        self.sub_number = self._new("subscription", acct.size)  # one per account, in order
        self._put(
            "billing.subscriptions",
            {
                "_acct": acct,
                "subscription_id": self.sub_number,
                "plan": np.array(s[1], dtype=object),
                "seats": np.array(s[2], dtype=np.int64),
                "mrr_amount": np.array(s[3], dtype=np.float64),
                "currency": cur[self.currency[acct]],
                "status": np.array(s[4], dtype=object),
                "started_at": self._day_us(np.array(s[5], dtype=np.int64)),
                "cancelled_at": days_to_us(self, np.array(s[6], dtype=np.int64)),
            },
            self._day_us(np.minimum(np.array(s[7], dtype=np.int64), self.end)) + 3 * HOUR_US,
            stale_subscription,
        )

        ch = transpose(changes, 7)
        acct = np.array(ch[0], dtype=np.int64)
        changed_at = self._day_us(np.array(ch[6], dtype=np.int64))
        self._put(
            "billing.plan_changes",
            {
                "_acct": acct,
                "change_id": self._new("change", acct.size),
                "subscription_id": self.sub_number[acct],
                "change_type": np.array(ch[1], dtype=object),
                "seats_before": np.array(ch[2], dtype=np.int64),
                "seats_after": np.array(ch[3], dtype=np.int64),
                "mrr_before": np.array(ch[4], dtype=np.float64),
                "mrr_after": np.array(ch[5], dtype=np.float64),
                "currency": cur[self.currency[acct]],
                "changed_at": changed_at,
            },
            changed_at,
            None,
        )

        keys = sorted(seats_rows)
        acct = np.array([k[0] for k in keys], dtype=np.int64)
        eff = np.array([k[1] for k in keys], dtype=np.int64)
        self._put(
            "product.seats",
            {
                "_acct": acct,
                "effective_date": eff,
                "licensed_seats": np.array([seats_rows[k] for k in keys], dtype=np.int64),
            },
            self._day_us(eff) + 2 * HOUR_US,
            stale_seats,
        )

        r = transpose(renewals, 9)
        acct = np.array(r[0], dtype=np.int64)
        self.truth["renewals"] = {
            "account": self.first + acct + 1,
            "segment": np.array(SEGMENTS, dtype=object)[self.segment[acct]],
            "renewal_day": self.p.start_day + np.array(r[1], dtype=np.int64),
            **{f: np.array(r[2 + j], dtype=np.float64) for j, f in enumerate(FAMILIES)},
            "driver_score": np.array(r[6], dtype=np.float64),
            "churn_probability": np.array(r[7], dtype=np.float64),
            "churned": np.array(r[8], dtype=bool),
            "recorded_in": np.array(r[9] if len(r) > 9 else (), dtype=object),
        }


# Stale versions for duplicates with changed content: mutate the earlier copy (rows idx).
def stale_contract(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    t["status"][idx] = "active"


def stale_opportunity(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    t["stage"][idx] = "open"


def stale_subscription(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    cancelled = idx[t["status"][idx] == "cancelled"]
    t["status"][cancelled] = "active"
    t["cancelled_at"][cancelled] = NULL
    active = np.setdiff1d(idx, cancelled)
    t["seats"][active] = np.maximum(1, t["seats"][active] - 1)


def stale_seats(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    t["licensed_seats"][idx] += 1
