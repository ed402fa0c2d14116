"""The usage family: product users and their events (``product.events``,
``product.features``).

Each account has its own baseline level of activity and depth (log-normal, wide), so a quiet
account is not a failing one. Momentum (use against the account's own baseline) scales how
often users come and how much they do; product fit sets how many of the provisioned users are
engaged and which key features the account has set up. Users are provisioned up to the account's
seat demand, and never beyond the licensed seats of the day (:mod:`.expansion`: the rest wait
for a seat). Accounts are simulated in blocks to bound memory.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_health.second_world.commercial import value_on
from customer_health.second_world.common import (
    US_PER_HOUR,
    World,
    frame,
    lognormal_lag_us,
    repeated_ids,
)
from customer_health.second_world.expansion import demand_on
from customer_health.second_world.params import FEATURES, USAGE
from customer_health.second_world.relationship import alive_days

BLOCK = 60
#: Hour (UTC) the working day starts in each region (na, emea, apac).
_REGION_START_HOUR = (13, 7, 0)


def features_frame(w: World) -> pd.DataFrame:
    n = len(FEATURES)
    loaded = w.day_us(np.full(n, w.window_start - 30)) + 5 * US_PER_HOUR
    return frame(
        "product.features",
        {
            "feature_key": np.array([f[0] for f in FEATURES], dtype=object),
            "feature_name": np.array([f[1] for f in FEATURES], dtype=object),
            "is_key_feature": np.array([f[2] for f in FEATURES]),
        },
        loaded,
    )


def build_events(w: World) -> pd.DataFrame:
    """Every account's events, block by block; user numbers are global and in account order."""
    rng = w.rng("product")
    alive = alive_days(w)
    peak = np.zeros(w.n, dtype=np.int64)
    np.maximum.at(peak, w.seat_points[:, 0].astype(np.int64), w.seat_points[:, 2].astype(np.int64))
    users = np.maximum(1, peak).astype(np.int64)  # never more users than seats at once
    first_user = np.concatenate([[0], np.cumsum(users)])
    parts = []
    for b, start in enumerate(range(0, w.n, BLOCK)):
        rows = np.arange(start, min(start + BLOCK, w.n))
        parts.append(_block(w, rows, users, first_user, alive[rows], w.rng("product", b + 1)))
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    m = cols["account"].size
    keys = np.array([f[0] for f in FEATURES], dtype=object)
    return frame(
        "product.events",
        {
            "event_id": _event_ids(m),
            "account_id": repeated_ids("ACC-", cols["account"], 5),
            "user_id": repeated_ids("usr_", cols["user"], 6),
            "feature_key": keys[cols["feature"]],
            "occurred_at": cols["at"],
        },
        cols["at"] + lognormal_lag_us(rng, m, 1.5),
    )


def _event_ids(m: int) -> np.ndarray:
    return np.array([f"evt_{k:09d}" for k in range(1, m + 1)], dtype=object)


def _block(
    w: World,
    rows: np.ndarray,
    users: np.ndarray,
    first_user: np.ndarray,
    alive: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Events of one block of accounts, as internal arrays."""
    nb = rows.size
    days = np.arange(w.window_start, w.end + 1)
    nd = days.size
    seg = w.segment[rows]
    h = w.hidden
    momentum = h.momentum[rows][:, days]
    fit = h.fit[rows][:, days]
    # the account's own baselines: activity level, event depth, breadth
    level = np.exp(rng.normal(0.0, USAGE["baseline_sd"], nb))
    depth = np.exp(rng.normal(0.0, USAGE["depth_sd"], nb))
    breadth = rng.normal(np.asarray(USAGE["breadth_logit"])[seg], 0.7)
    # users: provisioned up to the demand and the seats of the day, engaged while their
    # threshold is below the account's engaged share (weekly), each with a propensity to come
    # back
    n_users = users[rows]
    u_acct = np.repeat(np.arange(nb), n_users)
    u_rank = np.arange(u_acct.size) - np.repeat(np.cumsum(n_users) - n_users, n_users)
    propensity = rng.gamma(2.0, 0.5, u_acct.size)
    threshold = rng.random(u_acct.size)
    seats = value_on(w, np.repeat(rows, nd), np.tile(days, nb), 2).reshape(nb, nd)
    wanted = demand_on(w, np.repeat(rows, nd), np.tile(days, nb)).reshape(nb, nd)
    cap = np.ceil(np.minimum(wanted, seats))
    week = (days - w.window_start) // 7
    week_start = np.minimum(week * 7, nd - 1)
    share_w = 1 / (
        1 + np.exp(-(breadth[:, None] + fit[:, week_start] + 0.8 * momentum[:, week_start]))
    )
    weekday = (w.dates(days).astype("datetime64[D]").astype(np.int64) + 3) % 7  # 0 = Monday
    doy = (w.dates(days) - w.dates(days).astype("datetime64[Y]")).astype(np.int64)
    calendar = np.where(weekday >= 5, USAGE["weekend_factor"], 1.0) * np.where(
        (doy >= 355) | (doy <= 1), 0.35, 1.0
    )
    age = days[None, :] - w.signed[rows][:, None]
    ramp = 0.4 + 0.6 * np.clip(age / USAGE["onboarding_days"], 0.0, 1.0)
    day_rate = (
        np.asarray(USAGE["weekday_active"])[seg][:, None]
        * level[:, None]
        * np.exp(0.8 * momentum)
        * calendar[None, :]
        * ramp
        * alive
    )
    prob = propensity[:, None] * day_rate[u_acct]
    prob *= threshold[:, None] < share_w[u_acct]
    prob *= u_rank[:, None] < cap[u_acct]
    active = rng.random(prob.shape) < np.minimum(prob, 0.95)
    uu, dd = np.nonzero(active)
    aa = u_acct[uu]
    extra = np.asarray(USAGE["extra_events"])[seg][aa] * depth[aa] * np.exp(0.5 * momentum[aa, dd])
    count = 1 + rng.poisson(extra)
    ev_user, ev_day = np.repeat(uu, count), np.repeat(dd, count)
    ev_acct = u_acct[ev_user]
    feature = _features(fit, ev_acct, ev_day, week_start, rng)
    start_hour = np.asarray(_REGION_START_HOUR)[w.region[rows]][ev_acct]
    seconds = rng.integers(0, 10 * 3600, ev_acct.size) + start_hour * 3600
    at = w.day_us(days[ev_day]) + seconds * 1_000_000 + rng.integers(0, 1_000_000, ev_acct.size)
    order = np.lexsort((at, ev_acct))
    return {
        "account": rows[ev_acct][order],
        "user": (first_user[rows][ev_acct] + u_rank[ev_user])[order],
        "feature": feature[order],
        "at": at[order],
    }


def _features(
    fit: np.ndarray,
    acct: np.ndarray,
    day: np.ndarray,
    week_start: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """A feature per event: by the features' weights, key features only once the account's fit
    (plus its own offset per feature) passes the feature's level."""
    weight = np.array([f[3] for f in FEATURES])
    level = np.array([f[4] for f in FEATURES])
    offset = rng.normal(0.0, 0.3, (fit.shape[0], weight.size))
    fit_w = fit[:, week_start]  # (accounts, days), the fit at the start of the week
    f = fit_w[acct, day][:, None] + offset[acct]
    cum = np.cumsum(np.where(f > level[None, :], weight[None, :], 0.0), axis=1)
    u = rng.random(acct.size) * cum[:, -1]
    return (cum <= u[:, None]).sum(axis=1).astype(np.int16)
