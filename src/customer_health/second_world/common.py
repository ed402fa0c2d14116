"""What every stage of the second world shares: the calendar, the random streams, id formats and
the conversion of internal arrays into contract frames.

Days are integers counted from the first simulated day (``World.day0``); the hidden state runs
from day 0 (a burn-in before the window), the observable data covers ``[window_start, end]``.
Accounts that signed before day 0 have negative signature days.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from customer_health import contract

US_PER_DAY = 86_400 * 1_000_000
US_PER_HOUR = 3_600 * 1_000_000
#: A day after every simulated day: "never" for churn and end days.
NEVER = 10**7

#: One independent random stream per concern, so changing one stage leaves the others' draws.
STREAMS: tuple[str, ...] = (
    "accounts",
    "hidden",
    "oracle",
    "renewals",
    "commercial",
    "product",
    "support",
    "relationship",
    "billing",
    "loading",
    "expansion",
)


class World:
    """The calendar and random streams of one generated book; the stages add their results
    (accounts, hidden history, commercial timeline) as attributes."""

    def __init__(self, accounts: int, months: int, seed: int, end_date: date, burn_in_days: int):
        if accounts < 1 or months < 1:
            raise ValueError("need at least 1 account and 1 month")
        self.n = accounts
        self.seed = seed
        self.end_date = end_date
        end = np.datetime64(end_date, "D")
        # the window: `months` whole months up to end_date (from the day after the same day
        # `months` months earlier)
        start = add_months(np.array([end + 1]), np.array([-months]))[0]
        self.day0 = start - burn_in_days
        self.window_start = burn_in_days
        self.end = int((end - self.day0).astype(np.int64))
        self.days = self.end + 1  # simulated days 0..end

    def rng(self, stream: str, *parts: int) -> np.random.Generator:
        """The random stream of a concern (and of parts of it: one per table or block)."""
        key = (STREAMS.index(stream), *parts)
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))

    def dates(self, days: np.ndarray) -> np.ndarray:
        """datetime64[D] of day numbers."""
        return self.day0 + np.asarray(days, dtype=np.int64).astype("timedelta64[D]")

    def day_us(self, days: np.ndarray) -> np.ndarray:
        """Microseconds since the epoch at midnight UTC of day numbers."""
        base = int(self.day0.astype("datetime64[D]").astype(np.int64)) * US_PER_DAY
        return base + np.asarray(days, dtype=np.int64) * US_PER_DAY


def point_lookup(
    points: np.ndarray, accounts: np.ndarray, days: np.ndarray, column: int
) -> np.ndarray:
    """A column of ``points`` (rows: account, day, values...; sorted by account and day) as it
    stood for each account on each day: its latest row on or before the day (the account's
    first row for a day before it)."""
    key = points[:, 0].astype(np.int64) * (4 * NEVER) + points[:, 1].astype(np.int64) + NEVER
    query = np.asarray(accounts, dtype=np.int64) * (4 * NEVER) + np.asarray(days) + NEVER
    first = np.searchsorted(key, np.asarray(accounts, dtype=np.int64) * (4 * NEVER))
    return points[np.maximum(np.searchsorted(key, query, side="right") - 1, first), column]


def add_months(dates: np.ndarray, months: np.ndarray) -> np.ndarray:
    """datetime64[D] dates moved by whole months, the day clipped to the month's length (31 Jan
    + 1 month = 28 or 29 Feb)."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    month = dates.astype("datetime64[M]")
    dom = (dates - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.asarray(months, dtype=np.int64).astype("timedelta64[M]")
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    return target.astype("datetime64[D]") + np.minimum(dom, length - 1).astype("timedelta64[D]")


def ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Object array of ``prefix`` + the 1-based number zero-padded to ``width`` digits."""
    nums = np.asarray(numbers, dtype=np.int64)
    if nums.size == 0:
        return np.empty(0, dtype=object)
    text = np.char.zfill((nums + 1).astype("U20"), width)
    return np.char.add(prefix, text).astype(object)


def repeated_ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """:func:`ids` for numbers that repeat (accounts and users on events): each distinct number
    is formatted once and the rows share the strings."""
    nums = np.asarray(numbers, dtype=np.int64)
    if nums.size == 0:
        return np.empty(0, dtype=object)
    uniq, inverse = np.unique(nums, return_inverse=True)
    return ids(prefix, uniq, width)[inverse]


def lognormal_lag_us(rng: np.random.Generator, n: int, median_hours: float) -> np.ndarray:
    """Connector lags in microseconds: log-normal around ``median_hours``, at least a minute."""
    hours = median_hours * np.exp(rng.normal(0.0, 0.9, n))
    return np.maximum(60 * 1_000_000, (hours * US_PER_HOUR).astype(np.int64))


def _series(kind: str, values: Any, n: int) -> pd.Series:
    if values is None:
        if kind == "integer":
            return pd.Series(pd.array([None] * n, dtype="Int64"))
        if kind == "numeric":
            return pd.Series(np.full(n, np.nan))
        if kind == "timestamp":
            return pd.Series(
                np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
            ).dt.tz_localize("UTC")
        return pd.Series(np.full(n, None, dtype=object))
    if isinstance(values, pd.api.extensions.ExtensionArray):  # nullable integers
        return pd.Series(values)
    v = np.asarray(values)
    if kind == "timestamp":  # microseconds since the epoch, NEVER-like sentinels as NaT
        us = v.astype(np.int64)
        out = us.view("datetime64[us]").copy()
        out[us < 0] = np.datetime64("NaT")
        return pd.Series(out).dt.tz_localize("UTC")
    if kind == "date":  # datetime64[D] (NaT for null) -> datetime.date objects / None
        return pd.Series(v.astype("datetime64[D]").astype(object), dtype=object)
    if kind == "integer":
        return pd.Series(v.astype(np.int64))
    if kind == "numeric":
        return pd.Series(v.astype(np.float64))
    if kind == "boolean":
        return pd.Series(v.astype(bool))
    return pd.Series(v.astype(object), dtype=object)


def frame(key: str, columns: dict[str, Any], loaded_us: np.ndarray) -> pd.DataFrame:
    """A frame with exactly the contract's columns of ``key`` ("source.table"), in order.

    ``columns`` maps column names to arrays (timestamps as microseconds since the epoch, -1 for
    null; dates as datetime64[D]); a contract column not given is left empty. ``_loaded_at``
    comes from ``loaded_us``; ``org_id`` is empty and nothing is soft-deleted.
    """
    t = contract.table(*key.split("."))
    n = len(loaded_us)
    unknown = set(columns) - set(t.column_names)
    if unknown:
        raise KeyError(f"{key}: not contract columns: {sorted(unknown)}")
    data: dict[str, pd.Series] = {}
    for col in t.all_columns:
        if col.name == "_loaded_at":
            data[col.name] = _series("timestamp", loaded_us, n)
        elif col.name == "_is_deleted":
            data[col.name] = pd.Series(np.zeros(n, dtype=bool))
        else:
            data[col.name] = _series(col.type, columns.get(col.name), n)
    return pd.DataFrame(data)
