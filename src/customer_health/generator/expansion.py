"""Expansion: the seat demand of every account and the deals it opens when the demand presses
on its licence (see :data:`~customer_health.generator.params.EXPANSION`).

The demand is drawn once per account on the weekly grid (its own drift, weekly noise, a step up
each time a new team adopts, more often while usage is healthy and at every successful rollout
of the window, and a step down when a team drops the product, more often while it is not), and
is then scaled in place by what happens during the commercial walk (a seat cut, a return after
churn). The walk calls :meth:`Expansion._expansion_deal` every ``check_days``; the product
stage provisions users up to the demand. Every draw here comes from the block's expansion
stream.
"""

from __future__ import annotations

import numpy as np

from customer_health.generator.block import PRE_WEEKS, BlockBase, sigmoid
from customer_health.generator.params import EXPANSION, SEGMENTS


class Expansion(BlockBase):
    """Seat demand and expansion deals."""

    def _demand_paths(self, rollouts: list[list[int]]) -> None:
        """self.demand (n, grid weeks) and self.overage (n); ``rollouts``: per account, the
        days of its successful rollouts (each brings a new team)."""
        xrng, n, K = self.xrng, self.n, self.p.grid_weeks
        ex = EXPANSION
        growth = xrng.normal(ex["growth_mean"], ex["growth_sd"], n)
        step = growth[:, None] / 52.0 + xrng.normal(0.0, ex["weekly_sd"], (n, K))
        # teams come (more often while usage is healthy, and at every rollout) and go (more
        # often while it is not)
        rate = np.array([ex["team_rate"][s] for s in SEGMENTS])[self.segment][:, None] / 52.0
        usage = self.latent["usage"]
        team = xrng.random((n, K)) < rate * 2.0 * usage**2
        for i, days in enumerate(rollouts):
            team[i, self._grid(np.asarray(days, dtype=np.int64))] = True
        gone = xrng.random((n, K)) < rate * 2.0 * (1.0 - usage) ** 2
        size = np.log1p(xrng.uniform(*ex["team_size"], (n, K)))
        step = step + np.where(team, size, 0.0) - np.where(gone & ~team, size, 0.0)
        step[:, 0] = 0.0
        start = self.seats0 * xrng.uniform(*ex["demand_start"], n)
        # the demand is anchored at signature (or at the start of the grid for older accounts)
        k0 = np.clip(self.created // 7 + PRE_WEEKS, 0, K - 1)
        path = np.cumsum(step, axis=1)
        path = path - path[np.arange(n), k0][:, None]
        self.demand = start[:, None] * np.exp(path)
        self.overage = xrng.uniform(*EXPANSION["overage"], n)

    def _demand_on(self, i: int, day: int) -> float:
        return float(self.demand[i, int(self._grid(day))])

    def _scale_demand(self, i: int, day: int, ratio: float) -> None:
        """The demand from ``day`` on, times ``ratio`` (a seat cut, a return after churn)."""
        self.demand[i, int(self._grid(day)) :] *= ratio

    def _expansion_deal(self, i: int, day: int, licensed: int) -> int | None:
        """A deal opened at a check on ``day`` (the day it closes), or None."""
        ex = EXPANSION
        k = int(self._grid(day))
        pressure = self.demand[i, k] / max(licensed, 1)
        momentum = np.log(self.demand[i, k] / self.demand[i, max(k - 12, 0)])
        health = 0.5 * (self.latent["usage"][i, k] + self.latent["relationship"][i, k])
        logit = (
            ex["intercept"]
            + ex["pressure_slope"] * (pressure - 1.0)
            + ex["momentum_slope"] * momentum
            + ex["health_slope"] * (health - ex["health_reference"])
        )
        if self.xrng.random() >= float(sigmoid(logit)):
            return None
        return day + int(self.xrng.integers(ex["close_days"][0], ex["close_days"][1] + 1))

    def _expansion_outcome(self, i: int, day: int, seats: int, others: int) -> tuple[bool, int]:
        """Whether a deal closing on ``day`` is won, and the base plan's seats it buys (enough
        for the demand times the headroom; ``others``: the seats of the other subscriptions).
        It never changes the plan: plan changes come from rollouts and renewals."""
        ex = EXPANSION
        k = int(self._grid(day))
        finance = self.latent["finance"][i, k]
        win = float(sigmoid(ex["win_intercept"] + ex["win_slope"] * (finance - 0.5)))
        wanted = int(np.ceil(self.demand[i, k] * self.xrng.uniform(*ex["headroom"]))) - others
        return bool(self.xrng.random() < win), max(seats + 1, wanted)
