"""Commercial history: contracts, renewals and the churn decisions, subscriptions (several per
account for some), partial cancellations, win-backs, plan and seat changes and opportunities
(crm.contracts, crm.opportunities, billing.subscriptions, billing.plan_changes, product.seats,
and truth.renewals, truth.episodes, truth.contractions, truth.reactivations).

Each account's history is walked day by day through a heap of dated events: renewals of the
current contract chain (where churn is decided), seat cuts, expansions, seat drift, the
cancellation of an extra subscription and the return of a churned account. An account is in a
paying *episode* from its signature (or its return) to its churn; events in the gap between two
episodes do not happen.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np

from customer_health.generator.block import (
    FAR,
    HOUR_US,
    NULL,
    PRE_WEEKS,
    Table,
    add_years,
    days_to_us,
    sigmoid,
    transpose,
)
from customer_health.generator.expansion import Expansion
from customer_health.generator.params import (
    CHURN_MODEL,
    CURRENCIES,
    DOWNGRADES,
    EXPANSION,
    FAMILIES,
    FX,
    LIFECYCLE,
    MESS,
    PLAN_PRICE_USD,
    PLANS,
    PLANTED_DRIVERS,
    SEGMENTS,
)

ADD_ONS: tuple[str, ...] = tuple(LIFECYCLE["add_on_price_usd"])


def lift(p: np.ndarray, jump: np.ndarray) -> np.ndarray:
    """Probabilities moved by ``jump`` on the logit scale."""
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return sigmoid(np.log(p / (1 - p)) + jump)


@dataclass
class _Sub:
    """One subscription while its account's history is walked."""

    account: int
    plan: str
    seats: int
    mrr: float
    start: int
    extra: bool  # a regional or add-on subscription beside the base plan
    episode: int
    status: str = "active"
    cancelled: int = NULL
    touched: int = 0  # day of the last change, for _loaded_at


@dataclass
class _Book:
    """Rows collected while the accounts of a block are walked."""

    contracts: list[tuple[Any, ...]] = field(default_factory=list)
    opps: list[tuple[Any, ...]] = field(default_factory=list)
    subs: list[_Sub] = field(default_factory=list)
    changes: list[tuple[Any, ...]] = field(default_factory=list)  # (sub row, type, before/after)
    seats_rows: dict[tuple[int, int], int] = field(default_factory=dict)
    timeline: list[tuple[int, int, float]] = field(default_factory=list)
    renewals: list[tuple[Any, ...]] = field(default_factory=list)
    episodes: list[tuple[Any, ...]] = field(default_factory=list)
    contractions: list[tuple[Any, ...]] = field(default_factory=list)
    reactivations: list[tuple[Any, ...]] = field(default_factory=list)
    contract_starts: list[tuple[int, int, float]] = field(default_factory=list)

    def sub(self, *args: Any, **kwargs: Any) -> int:
        self.subs.append(_Sub(*args, **kwargs))
        return len(self.subs) - 1


class Commercial(Expansion):
    """Walks each account's commercial timeline and decides churn at every renewal."""

    def _price(self, i: int, plan: int) -> float:
        """List price per seat and month of a plan, in the account's currency."""
        return float(round(PLAN_PRICE_USD[plan] * FX[self.currency[i]]))

    def _mrr(self, i: int, plan: int, seats: int) -> float:
        """MRR of a base subscription: seats at the plan's price, plus the platform fee."""
        return seats * self._price(i, plan) + round(self.fee[i] * FX[self.currency[i]])

    def _commercial(self) -> None:
        """Contracts, renewals (churn decisions), subscriptions, plan and seat changes,
        contractions, reactivations, opportunities."""
        rng, p, n = self.rng, self.p, self.n
        W = p.window_weeks
        draws: dict[str, Any] = {
            "budget": self._shock_days("budget_cut"),
            "crisis": self._shock_days("company_crisis"),
        }
        # financial distress: seat cuts and downgrades outside renewals, more often when the
        # finance latent is low (weekly hazard DOWNGRADES["distress_rate"] / 52 * (1 - L)^2)
        fin_w = self.latent["finance"][:, PRE_WEEKS : PRE_WEEKS + W]
        draws["distress"] = (
            rng.random(fin_w.shape) < DOWNGRADES["distress_rate"] / 52 * (1 - fin_w) ** 2
        )
        # a successful rollout is a new team adopting the product (expansion.py)
        draws["rollout"] = self._shock_days("successful_rollout")
        # extra subscriptions at signature: how many, regional or add-on, their slice of seats
        lc = LIFECYCLE
        share = np.array([lc["multi_subscription_share"][s] for s in SEGMENTS])[self.segment]
        multi = rng.random(n) < share
        draws["n_extra"] = np.where(multi, 1 + (rng.random(n) < lc["three_subscriptions_share"]), 0)
        draws["regional"] = rng.random((n, 2)) < lc["regional_share"]
        draws["slice"] = rng.uniform(*lc["extra_seat_share"], (n, 2))
        draws["add_on"] = rng.integers(0, len(ADD_ONS), (n, 2))
        # partial cancellation: the first week an extra subscription is dropped, at a weekly
        # hazard that grows as the finance and usage latents fall (after the signature week)
        use_w = self.latent["usage"][:, PRE_WEEKS : PRE_WEEKS + W]
        hazard = lc["contraction_rate"] / 52 * (1 - 0.5 * (fin_w + use_w)) ** 3
        signed = np.arange(W)[None, :] * 7 > self.created[:, None]
        hit = (rng.random((n, 2, W)) < hazard[:, None, :]) & signed[:, None, :]
        draws["drop"] = np.where(
            hit.any(axis=2), hit.argmax(axis=2) * 7 + rng.integers(0, 7, (n, 2)), FAR
        )
        self._weights = np.array([[PLANTED_DRIVERS[s][f] for f in FAMILIES] for s in SEGMENTS])
        self._fam = np.stack([self.latent[f] for f in FAMILIES])  # (4, n, K)
        self._demand_paths(draws["rollout"])
        book = _Book()
        self.episodes = [[] for _ in range(n)]
        for i in range(n):
            self._walk(i, draws, book)
        del self._fam
        self._lifecycle_arrays()
        self.timeline = np.array(book.timeline, dtype=np.float64).reshape(-1, 3)
        self.seats_rows = book.seats_rows
        self.contract_starts = book.contract_starts
        self._commercial_tables(book)

    def _winback(self, i: int, day: int) -> None:
        """A returning account makes a fresh start: its health (and so every family latent)
        jumps at the return, and the jump fades (LIFECYCLE winback_boost, _persistence)."""
        k0 = int(self._grid(day))
        weeks = np.arange(self.p.grid_weeks - k0)
        boost = LIFECYCLE["winback_boost"] * LIFECYCLE["winback_persistence"] ** weeks
        for j, f in enumerate(FAMILIES):
            lifted = lift(self.latent[f][i, k0:], boost)
            self.latent[f][i, k0:] = lifted
            self._fam[j, i, k0:] = lifted  # the churn decisions of the new episode see it
        self.health[i, k0:] = lift(self.health[i, k0:], boost)

    def _walk(self, i: int, draws: dict[str, Any], book: _Book) -> None:
        """One account's history, event by event, through its episodes."""
        rng, p, end = self.rng, self.p, self.end
        start_date = p.start_date
        lb_far, lb_near = CHURN_MODEL["lookback_days"]
        lc = LIFECYCLE
        seg = int(self.segment[i])
        c0 = int(self.created[i])
        plan, seats = int(self.plan0[i]), int(self.seats0[i])
        # extra subscriptions hold slices of the seats at signature; the base plan the rest
        extras: list[int] = []
        for j in range(int(draws["n_extra"][i])):
            k = max(1, round(seats * float(draws["slice"][i, j])))
            if draws["regional"][i, j]:
                name, price = PLANS[plan], self._price(i, plan)
            else:
                name = ADD_ONS[int(draws["add_on"][i, j])]
                price = float(round(lc["add_on_price_usd"][name] * FX[self.currency[i]]))
            extras.append(book.sub(i, name, k, k * price, c0, True, 1, touched=c0))
        seats = max(1, seats - sum(book.subs[e].seats for e in extras))
        base = book.sub(i, PLANS[plan], seats, self._mrr(i, plan, seats), c0, False, 1, touched=c0)
        live_extras = list(extras)

        def total() -> float:
            return book.subs[base].mrr + sum(book.subs[e].mrr for e in live_extras)

        def mark(day: int) -> None:
            """A seats row and an MRR timeline entry from this day on."""
            licensed = book.subs[base].seats + sum(book.subs[e].seats for e in live_extras)
            book.seats_rows[(i, day)] = licensed
            book.timeline.append((i, day, total()))

        def change(day: int, ctype: str, new_plan: int, new_seats: int) -> None:
            """A plan or seat change of the base subscription."""
            nonlocal plan
            sub = book.subs[base]
            new_mrr = self._mrr(i, new_plan, new_seats)
            book.changes.append((base, ctype, sub.seats, new_seats, sub.mrr, new_mrr, day))
            plan = new_plan
            sub.plan, sub.seats, sub.mrr, sub.touched = PLANS[plan], new_seats, new_mrr, day
            mark(day)

        mark(c0)
        heap: list[tuple[int, int, str, Any]] = []
        order = 0

        def push(day: int, kind: str, arg: Any = None) -> None:
            nonlocal order
            heap.append((day, order, kind, arg))
            order += 1

        def push_renewals(signed: int, chain: int) -> None:
            year = 1
            while True:
                r = (add_years(start_date + timedelta(days=signed), year) - start_date).days
                push(r, "renewal", chain)
                if r > end:
                    break
                year += 1

        push_renewals(c0, 0)
        for d in draws["budget"][i]:
            if rng.random() < 0.6:
                push(d + int(rng.integers(7, 46)), "cut")
        for d in draws["crisis"][i]:
            if rng.random() < 0.5:
                push(d + int(rng.integers(14, 61)), "cut")
        for d in draws["rollout"][i]:  # a rollout's own expansion opportunity
            push(d + int(rng.integers(14, 61)), "expansion")
        # expansion checks every check_days from the signature (or the window's start)
        every = EXPANSION["check_days"]
        for d in range(max(c0, 0) + int(self.xrng.integers(0, every)), end + 1, every):
            push(d, "check")
        for d in np.flatnonzero(rng.random(self.p.days) < 0.4 / 365).tolist():
            if d >= c0:
                push(d, "drift")
        for w in np.flatnonzero(draws["distress"][i]).tolist():
            d = w * 7 + int(rng.integers(0, 7))
            if d >= c0:
                push(d, "cut")
        for j, e in enumerate(extras):
            if draws["drop"][i, j] < FAR:
                push(int(draws["drop"][i, j]), "drop", e)
        heapq.heapify(heap)

        chain, episode, ep_start, live, last_churn = 0, 1, c0, True, NULL
        pending, last_purchase = False, NULL  # an expansion deal in flight; the last one won
        k_start, arr = c0, 12 * total()
        if c0 >= 0:
            book.contract_starts.append((i, c0, arr))
        while heap:
            day, _, kind, arg = heapq.heappop(heap)
            if kind == "return":  # a churned account comes back: a new episode
                licensed = int(arg)
                seats = max(1, round(licensed * rng.uniform(*lc["reactivation_seat_share"])))
                base = book.sub(
                    i,
                    PLANS[plan],
                    seats,
                    self._mrr(i, plan, seats),
                    day,
                    False,
                    episode + 1,
                    touched=day,
                )
                live_extras = []
                book.reactivations.append((i, last_churn, day, episode + 1))
                self._winback(i, day)
                # the returning account's demand starts again below its new seats
                wanted = seats * self.xrng.uniform(*EXPANSION["demand_start"])
                self._scale_demand(i, day, wanted / max(self._demand_on(i, day), 1e-9))
                pending = False
                episode, ep_start, live = episode + 1, day, True
                k_start, arr = day, 12 * total()
                book.contract_starts.append((i, day, arr))
                mark(day)
                push_renewals(day, chain)
                heapq.heapify(heap)
                continue
            if kind == "renewal":
                if arg != chain:  # the renewal of a contract chain that ended in a churn
                    continue
                if day > end:
                    book.contracts.append((i, k_start, day - 1, day, arr, "active"))
                    if day <= end + 120:
                        now = 12 * total()
                        book.opps.append((i, "renewal", "open", day, now, now, day - 120))
                    break
                if day < 0:  # history before the window: survivors renewed flat
                    book.contracts.append((i, k_start, day - 1, day, arr, "renewed"))
                    now = 12 * total()
                    book.opps.append((i, "renewal", "closed_won", day, now, now, day))
                    k_start, arr = day, now
                    continue
                kf, kn = int(self._grid(day - lb_far)), int(self._grid(day - lb_near))
                fam_means = self._fam[:, i, kf : kn + 1].mean(axis=1)
                score = float(self._weights[seg] @ fam_means)
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
                    only_crm = MESS["churn_only_in_crm_share"]
                    only_billing = only_crm + MESS["churn_only_in_billing_share"]
                    recorded = "crm" if u < only_crm else "billing" if u < only_billing else "both"
                book.renewals.append(
                    (i, day, *fam_means.tolist(), score, prob, churned, recorded, episode)
                )
                if churned:
                    now = 12 * total()
                    lost = recorded != "billing"
                    book.contracts.append(
                        (i, k_start, day - 1, day, arr, "churned" if lost else "expired")
                    )
                    book.opps.append(
                        (
                            i,
                            "renewal",
                            "closed_lost" if lost else "open",
                            day,
                            now,
                            now,
                            day if lost else day - 120,
                        )
                    )
                    # every subscription still running ends with the episode (billing keeps
                    # them 'active' when the churn is recorded only in the CRM)
                    licensed = book.subs[base].seats + sum(book.subs[e].seats for e in live_extras)
                    for s in (base, *live_extras):
                        if recorded != "crm":
                            book.subs[s].status, book.subs[s].cancelled = "cancelled", day
                            book.subs[s].touched = day
                    book.episodes.append((i, episode, ep_start, day, recorded, now))
                    self.episodes[i].append((max(ep_start, 0), day))
                    live, live_extras, last_churn = False, [], day
                    chain += 1  # the contract chain ends; a return starts the next one
                    if rng.random() < lc["reactivation_share"]:
                        back = day + int(
                            rng.integers(*lc["reactivation_delay_days"], endpoint=True)
                        )
                        if back <= end:
                            heapq.heappush(heap, (back, order, "return", licensed))
                            order += 1
                    continue
                prev = 12 * total()
                p_down = float(sigmoid(-2.0 + 10.0 * (0.55 - score)))
                p_up = float(sigmoid(-2.0 + 10.0 * (score - 0.80)))
                u = rng.random()
                seats = book.subs[base].seats
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
                book.contracts.append((i, k_start, day - 1, day, arr, "renewed"))
                if ctype:
                    change(day, ctype, new_plan, new_seats)
                book.opps.append((i, "renewal", "closed_won", day, 12 * total(), prev, day))
                k_start, arr = day, 12 * total()
                if day >= 0:
                    book.contract_starts.append((i, day, arr))
                continue
            if day > end or not live:  # past the window, or between two episodes
                continue
            if kind == "drop":  # an extra subscription cancelled while the base goes on
                if arg not in live_extras:
                    continue
                live_extras.remove(arg)
                sub = book.subs[arg]
                sub.status, sub.cancelled, sub.touched = "cancelled", day, day
                book.contractions.append((i, arg, episode, day, 12 * sub.mrr))
                mark(day)
                continue
            seats = book.subs[base].seats
            mrr = book.subs[base].mrr
            new_plan, new_seats, ctype = plan, seats, ""
            if kind == "cut":
                if plan == 1 and rng.random() < 0.3:
                    new_plan, ctype = 0, "downgrade"
                else:
                    new_seats = max(1, round(seats * rng.uniform(0.6, 0.9)))
                    ctype = "seat_change" if new_seats < seats else ""
            elif kind == "expansion":  # after a successful rollout
                extra = max(1, round(seats * rng.uniform(0.15, 0.6)))
                amount = 12 * (self._mrr(i, plan, seats + extra) - mrr)
                stage = "closed_won" if rng.random() < 0.65 else "closed_lost"
                book.opps.append((i, "expansion", stage, day, amount, 12 * total(), day))
                if stage == "closed_won":
                    last_purchase = day
                    if plan == 0 and rng.random() < 0.3:
                        new_plan, ctype = 1, "upgrade"
                    else:
                        new_seats, ctype = seats + extra, "seat_change"
            elif kind == "check":  # does the demand press on the licence? (expansion.py)
                quiet = last_purchase != NULL and day - last_purchase < EXPANSION["quiet_days"]
                licensed = seats + sum(book.subs[e].seats for e in live_extras)
                close = None if pending or quiet else self._expansion_deal(i, day, licensed)
                if close is not None and close > end:  # still open when the data ends
                    wanted = max(seats + 1, round(self._demand_on(i, day)) - licensed + seats)
                    amount = 12 * (self._mrr(i, plan, wanted) - mrr)
                    book.opps.append((i, "expansion", "open", close, amount, 12 * total(), day))
                elif close is not None:
                    heapq.heappush(heap, (close, order, "deal", episode))
                    order += 1
                    pending = True
            elif kind == "deal":  # an expansion deal closes
                if arg != episode:
                    continue
                pending = False
                others = sum(book.subs[e].seats for e in live_extras)
                won, wanted = self._expansion_outcome(i, day, seats, others)
                amount = 12 * (self._mrr(i, plan, wanted) - mrr)
                stage = "closed_won" if won else "closed_lost"
                book.opps.append((i, "expansion", stage, day, amount, 12 * total(), day))
                if won:
                    new_seats, ctype, last_purchase = wanted, "seat_change", day
            elif kind == "drift":
                step = int(rng.integers(1, max(2, seats // 10 + 1) + 1))
                p_up = 0.1 + 0.75 * float(self.latent["usage"][i, self._grid(day)])
                new_seats = max(1, seats + (step if rng.random() < p_up else -step))
                ctype = "seat_change" if new_seats != seats else ""
            if kind == "cut" and new_seats < seats:  # the cut takes the demand down with it
                self._scale_demand(i, day, new_seats / seats)
            if ctype:
                change(day, ctype, new_plan, new_seats)
        if live:
            book.episodes.append((i, episode, ep_start, NULL, None, np.nan))
            self.episodes[i].append((max(ep_start, 0), FAR))
        # rollouts' expansions still open at the end of the window
        for d in draws["rollout"][i]:
            if d + 45 > end and self._alive_on(i, d) and rng.random() < 0.5:
                seats, mrr = book.subs[base].seats, book.subs[base].mrr
                amount = 12 * (self._mrr(i, plan, seats + max(1, seats // 4)) - mrr)
                book.opps.append((i, "expansion", "open", d + 45, amount, 12 * total(), d))

    def _commercial_tables(self, book: _Book) -> None:
        cur = np.array(CURRENCIES, dtype=object)
        c = transpose(book.contracts, 6)
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

        o = transpose(book.opps, 7)
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

        subs = book.subs
        acct = np.array([s.account for s in subs], dtype=np.int64)
        sub_number = self._new("subscription", acct.size)  # in the order they were opened
        cancelled = np.array([s.cancelled for s in subs], dtype=np.int64)
        touched = np.array([max(s.touched, s.start) for s in subs], dtype=np.int64)
        self._put(
            "billing.subscriptions",
            {
                "_acct": acct,
                "subscription_id": sub_number,
                "plan": np.array([s.plan for s in subs], dtype=object),
                "seats": np.array([s.seats for s in subs], dtype=np.int64),
                "mrr_amount": np.array([s.mrr for s in subs], dtype=np.float64),
                "currency": cur[self.currency[acct]],
                "status": np.array([s.status for s in subs], dtype=object),
                "started_at": self._day_us(np.array([s.start for s in subs], dtype=np.int64)),
                "cancelled_at": days_to_us(self, cancelled),
            },
            self._day_us(np.minimum(np.where(cancelled == NULL, touched, cancelled), self.end))
            + 3 * HOUR_US,
            stale_subscription,
        )

        ch = transpose(book.changes, 7)
        row = np.array(ch[0], dtype=np.int64)
        acct = acct[row]
        changed_at = self._day_us(np.array(ch[6], dtype=np.int64))
        self._put(
            "billing.plan_changes",
            {
                "_acct": acct,
                "change_id": self._new("change", acct.size),
                "subscription_id": sub_number[row],
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

        keys = sorted(book.seats_rows)
        acct = np.array([k[0] for k in keys], dtype=np.int64)
        eff = np.array([k[1] for k in keys], dtype=np.int64)
        self._put(
            "product.seats",
            {
                "_acct": acct,
                "effective_date": eff,
                "licensed_seats": np.array([book.seats_rows[k] for k in keys], dtype=np.int64),
            },
            self._day_us(eff) + 2 * HOUR_US,
            stale_seats,
        )

        r = transpose(book.renewals, 11)
        acct = np.array(r[0], dtype=np.int64)
        self.truth["renewals"] = {
            "account": self.first + acct + 1,
            "segment": np.array(SEGMENTS, dtype=object)[self.segment[acct]],
            "renewal_day": self.p.start_day + np.array(r[1], dtype=np.int64),
            **{f: np.array(r[2 + j], dtype=np.float64) for j, f in enumerate(FAMILIES)},
            "driver_score": np.array(r[6], dtype=np.float64),
            "churn_probability": np.array(r[7], dtype=np.float64),
            "churned": np.array(r[8], dtype=bool),
            "recorded_in": np.array(r[9], dtype=object),
            "episode": np.array(r[10], dtype=np.int64),
        }
        self._lifecycle_truth(book, sub_number)


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
