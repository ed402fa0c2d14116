"""The hidden state of every account and its day-by-day dynamics.

Seven variables per account, each its own stochastic process (see :mod:`.params`):

- ``fit`` (F): product fit, a slow Ornstein-Uhlenbeck process around the account's own mean,
  with rare jumps;
- ``champion`` (C, 0/1) and ``sponsor`` (E): a champion leaves and is replaced (a two-state
  chain); sponsor strength reverts to the account's mean, lowered while there is no champion;
- ``budget`` (K, 0/1/2): a calm / squeezed / distressed regime chain;
- ``pain`` (P): support pain, incidents arriving as shot noise that decays;
- ``slump`` (D, 0/1), ``momentum`` (M) and ``habit`` (H): momentum is usage relative to the
  account's own long-run level (log scale), an OU process that heads down while the account is
  in a slump; habit is a slow moving average of momentum, what the account has got used to.
  Churn reads the trend ``M - H``: a fall over the last months, not a low level (an account
  that has settled at low use is not at risk).

The state is Markov: :meth:`Dynamics.step` moves any set of rows one day forward, which both the
book's simulation and the oracle's Monte Carlo use, so the oracle conditions on exactly the
process that made the data.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from customer_health.second_world.params import (
    BUDGET,
    CHURN,
    DRIVERS,
    FIT,
    MOMENTUM,
    PAIN,
    SEGMENTS,
    SPONSOR,
)

YEAR = 365.0


@dataclass
class State:
    """The hidden state of a set of rows (accounts, or Monte Carlo paths) on one day."""

    fit: np.ndarray
    sponsor: np.ndarray
    champion: np.ndarray
    budget: np.ndarray
    pain: np.ndarray
    momentum: np.ndarray
    slump: np.ndarray
    habit: np.ndarray

    def copy(self) -> State:
        return State(*(getattr(self, f.name).copy() for f in fields(self)))

    def take(self, rows: np.ndarray) -> State:
        return State(*(getattr(self, f.name)[rows] for f in fields(self)))


@dataclass
class History(State):
    """The hidden state of every account on every simulated day: arrays of shape (n, days)."""

    def on(self, rows: np.ndarray, days: np.ndarray) -> State:
        """The state of ``rows`` on ``days`` (equally long index arrays)."""
        return State(*(getattr(self, f.name)[rows, days] for f in fields(self)))


def _per_day(rate: float | np.ndarray) -> np.ndarray:
    """The chance of an event in one day at a yearly rate."""
    return 1.0 - np.exp(-np.asarray(rate, dtype=np.float64) / YEAR)


def _ou(reversion_days: float, sd: float) -> tuple[float, float]:
    """Daily pull and shock sd of an OU process with the given stationary sd."""
    k = 1.0 / reversion_days
    return k, sd * np.sqrt(2 * k - k * k)


def _budget_cumulative() -> np.ndarray:
    """Cumulative daily transition probabilities of the budget chain: (segment, from, to)."""
    out = np.zeros((len(SEGMENTS), 3, 3))
    for s in range(len(SEGMENTS)):
        q = np.zeros((3, 3))
        q[0, 1] = _per_day(BUDGET["calm_to_squeezed"][s])
        q[1, 0] = _per_day(BUDGET["squeezed_to_calm"][s])
        q[1, 2] = _per_day(BUDGET["squeezed_to_distressed"][s])
        q[2, 1] = _per_day(BUDGET["distressed_to_squeezed"][s])
        q[2, 0] = _per_day(BUDGET["distressed_to_calm"][s])
        q[np.diag_indices(3)] = 1.0 - q.sum(axis=1)
        out[s] = np.cumsum(q, axis=1)
    out[:, :, -1] = 1.0
    return out


def _stationary(cumulative: np.ndarray) -> np.ndarray:
    """Stationary distribution of a chain given its cumulative transition matrix."""
    q = np.diff(cumulative, prepend=0.0, axis=1)
    pi = np.full(q.shape[0], 1.0 / q.shape[0])
    for _ in range(5000):
        pi = pi @ q
    return pi / pi.sum()


class Dynamics:
    """The daily step of the hidden state, for rows that each carry a segment and the
    account's own means of fit and sponsor strength."""

    def __init__(self, segment: np.ndarray, fit_mean: np.ndarray, sponsor_mean: np.ndarray):
        self.segment = segment
        self.fit_mean = fit_mean
        self.sponsor_mean = sponsor_mean
        self.k_fit, self.sd_fit = _ou(FIT["reversion_days"], FIT["sd"])
        self.k_sponsor, self.sd_sponsor = _ou(SPONSOR["reversion_days"], SPONSOR["sd"])
        self.k_momentum, self.sd_momentum = _ou(MOMENTUM["reversion_days"], MOMENTUM["sd"])
        self.p_jump = float(_per_day(FIT["jump_rate"]))
        self.p_leave = _per_day(SPONSOR["leave_rate"])[segment]
        self.p_replace = _per_day(SPONSOR["replace_rate"])[segment]
        self.p_incident = _per_day(PAIN["incident_rate"])[segment]
        self.pain_decay = 0.5 ** (1.0 / PAIN["half_life_days"])
        self.p_slump = _per_day(MOMENTUM["slump_rate"])[segment]
        self.p_recover = float(_per_day(MOMENTUM["recover_rate"]))
        self.budget_cum = _budget_cumulative()[segment]  # (n, 3, 3)
        self.weights = np.array([[CHURN[s][d] for d in DRIVERS] for s in SEGMENTS])[segment]
        self.intercept = np.array([CHURN[s]["intercept"] for s in SEGMENTS])[segment]

    def initial(self, rng: np.random.Generator) -> State:
        """A draw from (roughly) the stationary distribution; a burn-in does the rest."""
        n = self.segment.size
        champ_share = self.p_replace / (self.p_replace + self.p_leave)
        champion = (rng.random(n) < champ_share).astype(np.int8)
        budget = np.zeros(n, dtype=np.int8)
        for s in range(len(SEGMENTS)):
            rows = np.flatnonzero(self.segment == s)
            pi = _stationary(_budget_cumulative()[s])
            budget[rows] = rng.choice(3, size=rows.size, p=pi)
        slump_share = self.p_slump / (self.p_slump + self.p_recover)
        slump = (rng.random(n) < slump_share).astype(np.int8)
        return State(
            fit=self.fit_mean + rng.normal(0.0, FIT["sd"], n),
            sponsor=self.sponsor_mean
            - SPONSOR["drop"] * (1 - champion)
            + rng.normal(0.0, SPONSOR["sd"], n),
            champion=champion,
            budget=budget,
            pain=np.zeros(n),
            momentum=-MOMENTUM["slump_depth"] * slump + rng.normal(0.0, MOMENTUM["sd"], n),
            slump=slump,
            habit=np.zeros(n),
        )

    def step(self, s: State, rng: np.random.Generator) -> State:
        """The state one day later (a new State; ``s`` is left as it was)."""
        n = s.fit.size
        u = rng.random((6, n))
        z = rng.standard_normal((4, n))
        rows = np.arange(n)
        budget = (u[0][:, None] >= self.budget_cum[rows, s.budget]).sum(axis=1)
        budget = np.minimum(budget, 2).astype(np.int8)
        champion = np.where(s.champion == 1, u[1] >= self.p_leave, u[1] < self.p_replace).astype(
            np.int8
        )
        slump = np.where(s.slump == 1, u[2] >= self.p_recover, u[2] < self.p_slump).astype(np.int8)
        jump = (u[3] < self.p_jump) * FIT["jump_sd"] * z[1]
        fit = s.fit + self.k_fit * (self.fit_mean - s.fit) + self.sd_fit * z[0] + jump
        target = self.sponsor_mean - SPONSOR["drop"] * (1 - champion)
        sponsor = s.sponsor + self.k_sponsor * (target - s.sponsor) + self.sd_sponsor * z[2]
        incident = (u[4] < self.p_incident) * -np.log1p(-u[5]) * PAIN["incident_size"]
        pain = s.pain * self.pain_decay + incident
        pull = -MOMENTUM["slump_depth"] * slump - s.momentum
        momentum = s.momentum + self.k_momentum * pull + self.sd_momentum * z[3]
        habit = s.habit + (momentum - s.habit) / MOMENTUM["habit_days"]
        return State(fit, sponsor, champion, budget, pain, momentum, slump, habit)

    def churn_probability(self, s: State, rows: np.ndarray | None = None) -> np.ndarray:
        """P(lost) at a renewal whose date has state ``s`` (``rows``: which dynamics rows the
        states belong to, default all)."""
        x = drivers(s)
        w = self.weights if rows is None else self.weights[rows]
        b = self.intercept if rows is None else self.intercept[rows]
        return 1.0 / (1.0 + np.exp(-(b + (w * x).sum(axis=1))))

    def simulate(self, days: int, rng: np.random.Generator) -> History:
        """Every row's state on days 0..days-1, starting from :meth:`initial`."""
        s = self.initial(rng)
        n = s.fit.size
        out = {f.name: np.empty((n, days), dtype=getattr(s, f.name).dtype) for f in fields(State)}
        for t in range(days):
            for name, arr in out.items():
                arr[:, t] = getattr(s, name)
            s = self.step(s, rng)
        return History(**out)


def drivers(s: State) -> np.ndarray:
    """The churn drivers of :data:`DRIVERS` as columns: (rows, 6)."""
    levels = np.asarray(BUDGET["levels"])
    return np.column_stack(
        [s.fit, s.sponsor, 1 - s.champion, levels[s.budget], s.pain, s.momentum - s.habit]
    ).astype(np.float64)
