"""Expansion in the second world: seat demand counted in teams, and purchase requests that
procurement approves or not (:data:`.params.EXPANSION`; its own random stream, ``expansion``).

Unlike a product that lets users run over their seats, this one enforces the licence: a user
beyond the seats waits for one. The waitlist is what makes an account ask for more seats, and
its budget and sponsor decide whether it gets them. The commercial walk keeps each account's
demand (:class:`Demand`); the product stage provisions users up to the demand and the seats of
the day (:func:`demand_on`).
"""

from __future__ import annotations

import numpy as np

from customer_health.second_world.common import NEVER, World, point_lookup
from customer_health.second_world.params import EXPANSION


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


class Demand:
    """One account's seat demand while its timeline is walked; every change is a point
    ``(account, day, demand)`` in ``points``."""

    def __init__(self, w: World, i: int, seats: int, rng: np.random.Generator, points: list):
        lo, hi = EXPANSION["demand_start"][int(w.segment[i])]
        self.w, self.i, self.rng, self.points = w, i, rng, points
        self.value = seats * float(rng.uniform(lo, hi))
        self.asked = -NEVER  # day of the last answer to a purchase request
        self.pending = False
        points.append((i, int(w.signed[i]), self.value))

    def _set(self, day: int, value: float) -> None:
        self.value = value
        self.points.append((self.i, day, value))

    def team_adopts(self, day: int) -> None:
        self._set(day, self.value * (1.0 + float(self.rng.uniform(*EXPANSION["team_share"]))))

    def cut(self, day: int, ratio: float) -> None:
        self._set(day, self.value * ratio)

    def request(self, day: int, seats: int) -> int | None:
        """At a weekly check: the day procurement answers a request raised today, or None."""
        waitlist = self.value - seats
        if self.pending or waitlist <= 0 or day - self.asked < EXPANSION["retry_days"]:
            return None
        logit = EXPANSION["request_logit"] + EXPANSION["request_per_waitlist"] * waitlist / seats
        if self.rng.random() >= _sigmoid(logit):
            return None
        self.pending = True
        lo, hi = EXPANSION["review_days"]
        return day + int(self.rng.integers(lo, hi + 1))

    def answer(self, day: int) -> int | None:
        """Procurement's answer on ``day``: the seats bought, or None when refused."""
        self.pending, self.asked = False, day
        h = self.w.hidden
        regime = int(h.budget[self.i, day])
        logit = EXPANSION["approve_logit"][regime] + EXPANSION["approve_per_sponsor"] * float(
            h.sponsor[self.i, day]
        )
        if self.rng.random() >= _sigmoid(logit):
            return None
        return int(np.ceil(self.value * self.rng.uniform(*EXPANSION["buffer"])))


def weekly_checks(w: World, i: int, rng: np.random.Generator) -> list[tuple[int, int, str]]:
    """The days an account looks at its waitlist: weekly from its signature (or the window)."""
    first = max(int(w.signed[i]), w.window_start) + int(rng.integers(0, 7))
    return [(d, 3, "check") for d in range(first, w.end + 1, 7)]


def demand_on(w: World, accounts: np.ndarray, days: np.ndarray) -> np.ndarray:
    """The demand of accounts on days (the latest point on or before each day)."""
    return point_lookup(w.demand_points, accounts, days, 2)
