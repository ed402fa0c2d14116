"""The support family: tickets (support.tickets)."""

from __future__ import annotations

import numpy as np

from customer_health.generator.block import DAY_US, HOUR_US, NULL, PRE_WEEKS, BlockBase, Table
from customer_health.generator.params import MESS
from customer_health.generator.vocab import INCIDENT_SUBJECTS, TICKET_SUBJECTS


class Support(BlockBase):
    """Ticket volume, priority, response and resolution times and CSAT, from the support latent."""

    def _tickets(self) -> None:
        rng = self.rng
        W = self.p.window_weeks
        k = np.arange(W) + PRE_WEEKS
        sup = self.latent["support"][:, k]
        size = np.sqrt(self.seats0 / np.array([80.0, 25.0, 7.0])[self.segment])
        base = np.array([0.8, 0.3, 0.12])[self.segment] * size
        # an account that is leaving asks more in its last weeks (exports, cancellation, invoices)
        leaving = self._leaving(np.arange(W) * 7 + 3)
        rate = base[:, None] * (0.1 + 6.0 * (1 - sup) ** 2) * (1 + leaving) + 0.2 * leaving
        acct, day = self._weekly_counts(rate)
        inc = self.shocks["product_incident"][:, k]
        burst = rng.poisson(inc * (1.0 + 2.0 * size[:, None]))
        b_acct, b_week = np.nonzero(burst)
        reps = burst[b_acct, b_week]
        b_acct = np.repeat(b_acct, reps)
        b_day = np.repeat(b_week, reps) * 7 + rng.integers(0, 3, b_acct.size)
        keep = self._alive(b_acct, b_day)
        incident = np.concatenate([np.zeros(acct.size, bool), np.ones(int(keep.sum()), bool)])
        acct = np.concatenate([acct, b_acct[keep]])
        day = np.concatenate([day, b_day[keep]])
        m = acct.size
        ls = self._family_at("support", acct, day)
        bad = 1 - ls
        u = rng.random(m)
        p_urgent = np.where(incident, 0.4, 0.02 + 0.15 * bad)
        p_high = np.where(incident, 0.5, 0.08 + 0.35 * bad)
        prio = np.where(
            u < p_urgent, 0, np.where(u < p_urgent + p_high, 1, np.where(u < 0.85, 2, 3))
        )
        created = self._day_us(day) + rng.integers(0, 24 * HOUR_US, m)
        first_med = np.array([0.5, 2.0, 6.0, 16.0])[prio] * (1 + 3.0 * bad)
        first = created + (rng.lognormal(np.log(first_med), 0.7) * HOUR_US).astype(np.int64)
        # unhealthy accounts have tickets that stay open for weeks (hard problems, back and forth)
        solve_med = np.array([8.0, 24.0, 48.0, 96.0])[prio] * (0.3 + 6.0 * bad**2)
        solved = first + (rng.lognormal(np.log(solve_med), 0.9) * HOUR_US).astype(np.int64)
        now = self._day_us(self.p.days)  # end of the window
        open_ = solved > now
        first = np.where(first > now, NULL, first)
        status = np.where(solved < now - 7 * DAY_US, "closed", "solved").astype(object)
        status[open_] = np.where(
            first[open_] == NULL,
            "new",
            np.where(rng.random(int(open_.sum())) < 0.4, "pending", "open"),
        )
        solved = np.where(open_, NULL, solved)
        reopened = rng.poisson(0.03 + 0.8 * bad**2)
        answered = (rng.random(m) >= MESS["csat_missing_share"]) & ~open_
        csat = np.clip(np.round(2.0 + 3.4 * ls + rng.normal(0, 0.6, m)), 1, 5).astype(np.int64)
        subj = np.where(
            incident,
            np.array(INCIDENT_SUBJECTS, dtype=object)[rng.integers(0, len(INCIDENT_SUBJECTS), m)],
            np.array(TICKET_SUBJECTS, dtype=object)[rng.integers(0, len(TICKET_SUBJECTS), m)],
        )
        subj[rng.random(m) < 0.02] = None
        req = self._pick_contacts(acct, day, {"admin": 0.4, "champion": 0.2, "user": 0.4})
        req[rng.random(m) < 0.05] = -1
        updated = np.where(solved != NULL, solved, np.maximum(first, created))
        self._put(
            "support.tickets",
            {
                "_acct": acct,
                "ticket_id": self._new("ticket", m),
                "requester_id": np.where(req >= 0, self.contact["id"][np.clip(req, 0, None)], NULL),
                "priority": np.array(["urgent", "high", "normal", "low"], dtype=object)[prio],
                "status": status,
                "created_at": created,
                "first_response_at": first,
                "solved_at": solved,
                "reopened_count": reopened.astype(np.int64),
                "csat_score": np.where(answered, csat, NULL),
                "subject": subj,
            },
            np.minimum(updated, now),
            stale_ticket,
        )


# Stale versions for duplicates with changed content: mutate the earlier copy (rows idx).
def stale_ticket(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    t["status"][idx] = "open"
    t["solved_at"][idx] = NULL
    t["csat_score"][idx] = NULL
