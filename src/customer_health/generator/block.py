"""One block of accounts: parameters, time units, the shared helpers of every simulation
stage, and the messy loading of a table (late rows, duplicates, soft deletes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from customer_health.generator.params import CHURN_MODEL, MESS

PRE_WEEKS = 18  # latent burn-in before the window, covers the first renewals' lookback
DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
MIN_US = 60_000_000
NULL = np.iinfo(np.int64).min  # internal null for ids, days and timestamps
FAR = 10**9  # "never" as a day number
EPOCH = date(1970, 1, 1)


def sigmoid(x: np.ndarray | float) -> Any:
    return 1.0 / (1.0 + np.exp(-np.asarray(x)))


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


@dataclass(frozen=True)
class Params:
    accounts: int
    days: int
    seed: int
    end_date: date
    orgs: int

    @property
    def start_date(self) -> date:
        return self.end_date - timedelta(days=self.days - 1)

    @property
    def start_day(self) -> int:
        """Days since 1970-01-01 of the first day of the window."""
        return (self.start_date - EPOCH).days

    @property
    def window_weeks(self) -> int:
        return -(-self.days // 7)

    @property
    def grid_weeks(self) -> int:
        return PRE_WEEKS + self.window_weeks + 1


Table = dict[str, np.ndarray]


class BlockBase:
    """One block of accounts: its random stream, its shared state and helpers.

    The simulation stages are mixins over this base (one module per source system);
    :class:`~customer_health.generator.assembly.Block` puts them together in order.
    """

    # state set by the stages, per account of the block (arrays of length n) unless noted
    # accounts: the draws and the hidden trajectories ((n, grid weeks) arrays)
    segment: np.ndarray
    currency: np.ndarray
    region: np.ndarray
    seats0: np.ndarray
    plan0: np.ndarray
    created: np.ndarray  # signature day (negative: before the window)
    annual_billing: np.ndarray
    card: np.ndarray
    fee: np.ndarray
    mu: np.ndarray
    owner: np.ndarray
    no_owner: np.ndarray
    names: list[str]
    domains: list[str]
    shocks: dict[str, np.ndarray]
    health: np.ndarray
    latent: dict[str, np.ndarray]
    # commercial: paying episodes, churns and the revenue timeline
    episodes: list[list[tuple[int, int]]]  # per account: (first day, churn day or FAR)
    ep_from: np.ndarray  # (n, E): first live window day of each episode (FAR: none)
    ep_to: np.ndarray  # (n, E): first day no longer live (the churn, or past the window)
    ep_churn: np.ndarray  # (n, E): the churn day ending each episode (FAR: none)
    churn_day: np.ndarray  # the first churn (FAR when the account never churns)
    timeline: np.ndarray  # rows (account, day, total mrr from that day)
    seats_rows: dict[tuple[int, int], int]  # (account, effective day) -> licensed seats
    contract_starts: list[tuple[int, int, float]]  # (account, day, arr) of contracts started
    demand: np.ndarray  # (n, grid weeks): seat demand, the users the account would provision
    overage: np.ndarray  # users provisioned up to this many times the licensed seats
    # relationship: contacts, for the requesters and attendees of other tables
    contact: dict[str, np.ndarray]
    role_index: dict[str, np.ndarray]

    def __init__(self, p: Params, block: int, first: int, n: int, counters: dict[str, int]) -> None:
        self.p = p
        self.first = first  # global index of the first account (0-based)
        self.n = n
        self.rng = np.random.default_rng(np.random.SeedSequence(p.seed, spawn_key=(block,)))
        # the expansion draws (demand, deals) have a stream of their own: adding them did not
        # move the draws of everything else
        self.xrng = np.random.default_rng(np.random.SeedSequence(p.seed, spawn_key=(block, 1)))
        self.end = p.days - 1  # last window day (window days are 0..end)
        self.tables: dict[str, Table] = {}
        self.counters = counters  # entity -> ids handed out so far (shared, in block order)
        self.truth: dict[str, Table] = {}

    # ------------------------------------------------------------------ helpers
    def _day_us(self, day: np.ndarray) -> np.ndarray:
        return (self.p.start_day + np.asarray(day, dtype=np.int64)) * DAY_US

    def _grid(self, day: np.ndarray | int) -> Any:
        return np.clip(np.floor_divide(day, 7) + PRE_WEEKS, 0, self.p.grid_weeks - 1)

    def _weekday(self, day: np.ndarray) -> np.ndarray:
        return (self.p.start_date.weekday() + np.asarray(day)) % 7

    def _business_time(self, acct: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Timestamps (us) within local business hours of the account's region."""
        base = np.array([14, 8, 1])[self.region[acct]]  # 9-10 am local, in UTC hours
        hours = base + self.rng.random(acct.size) * 9.0
        return self._day_us(day) + (hours * HOUR_US).astype(np.int64)

    def _alive(self, acct: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Whether each account is a paying customer on each day (inside one of its episodes)."""
        day = np.asarray(day)
        d = day[..., None]
        live = ((d >= self.ep_from[acct]) & (d < self.ep_to[acct])).any(axis=-1)
        return live & (day <= self.end)

    def _alive_on(self, i: int, day: int) -> bool:
        """_alive for one account and one day."""
        return day <= self.end and any(f <= day < t for f, t in self.episodes[i])

    def _next_churn(self, acct: np.ndarray, day: np.ndarray) -> np.ndarray:
        """The first churn day after each day (FAR when none)."""
        churn = self.ep_churn[acct]
        return np.where(churn > np.asarray(day)[:, None], churn, FAR).min(axis=1)

    def _weekly_counts(self, rate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Poisson counts per (account, window week) -> one row per item: (account, day)."""
        counts = self.rng.poisson(np.maximum(rate, 0.0))
        acct, week = np.nonzero(counts)
        reps = counts[acct, week]
        acct = np.repeat(acct, reps)
        day = np.repeat(week, reps) * 7 + self.rng.integers(0, 7, acct.size)
        keep = self._alive(acct, day)
        return acct[keep], day[keep]

    def _to_weekday(self, day: np.ndarray) -> np.ndarray:
        wd = self._weekday(day)
        return day - np.where(wd == 5, 1, 0) + np.where(wd == 6, 1, 0)

    def _new(self, entity: str, m: int) -> np.ndarray:
        """Global id numbers (1-based) for m new rows of an entity."""
        start = self.counters.get(entity, 0)
        self.counters[entity] = start + m
        return np.arange(start + 1, start + m + 1, dtype=np.int64)

    def _leaving(self, day: np.ndarray) -> np.ndarray:
        """(n, days): 0 until the wind-down before each of an account's churns, rising to 1 at
        the churn (and 0 again after it, for an account that comes back)."""
        day = np.asarray(day)[None, :]
        out = np.zeros((self.n, day.shape[1]))
        for e in range(self.ep_churn.shape[1]):
            churn = self.ep_churn[:, e : e + 1]
            left = np.clip(1.0 - (churn - day) / CHURN_MODEL["wind_down"][0], 0.0, 1.0)
            out = np.maximum(out, np.where(day < churn, left, 0.0))
        return out

    def _family_at(self, family: str, acct: np.ndarray, day: np.ndarray) -> np.ndarray:
        return self.latent[family][acct, self._grid(day)]

    def _shock_days(self, name: str) -> list[list[int]]:
        """Per account, the window days of a shock type while the account exists."""
        acct, k = np.nonzero(self.shocks[name])
        day = (k - PRE_WEEKS) * 7 + self.rng.integers(0, 7, acct.size)
        keep = (day >= 0) & (day >= self.created[acct]) & (day <= self.end)
        out: list[list[int]] = [[] for _ in range(self.n)]
        for a, d in zip(acct[keep].tolist(), day[keep].tolist(), strict=True):
            out[a].append(d)
        return out

    # ------------------------------------------------------------------ messy data
    def _put(
        self,
        key: str,
        cols: Table,
        base_us: np.ndarray,
        stale: Callable[[Table, np.ndarray, np.random.Generator], None] | None,
    ) -> None:
        """Store a table, adding _loaded_at and _is_deleted and planting duplicates."""
        rng = self.rng
        n = base_us.size
        delay = rng.integers(2 * MIN_US, 20 * HOUR_US, n)
        late = rng.random(n) < MESS["late_share"]
        lo, hi = MESS["late_delay_days"]
        delay[late] += rng.integers(lo * DAY_US, hi * DAY_US, int(late.sum()))
        loaded = base_us + delay
        deleted = rng.random(n) < MESS["soft_delete_share"]
        dup = np.flatnonzero(rng.random(n) < MESS["duplicate_share"])
        copies = {c: v[dup] for c, v in cols.items()}
        copy_loaded = loaded[dup] + rng.integers(HOUR_US, 10 * DAY_US, dup.size)
        copy_deleted = deleted[dup]
        deleted[dup] = False  # the flag lives on the latest version
        if stale is not None:
            changed = dup[rng.random(dup.size) < MESS["duplicate_changed_share"]]
            if changed.size:
                stale(cols, changed, rng)
        out = {c: np.concatenate([v, copies[c]]) for c, v in cols.items()}
        out["_loaded_at"] = np.concatenate([loaded, copy_loaded])
        out["_is_deleted"] = np.concatenate([deleted, copy_deleted])
        self.tables[key] = out


def transpose(rows: list[tuple[Any, ...]], width: int) -> list[tuple[Any, ...]]:
    """Rows to columns, also for no rows."""
    return list(zip(*rows, strict=True)) if rows else [()] * width


def days_to_us(block: BlockBase, days: np.ndarray) -> np.ndarray:
    return np.where(days == NULL, NULL, block._day_us(np.where(days == NULL, 0, days)))
