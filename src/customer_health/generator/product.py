"""The usage family: product users and their events (product.events)."""

from __future__ import annotations

import numpy as np

from customer_health.generator.block import PRE_WEEKS, BlockBase
from customer_health.generator.params import CHURN_MODEL, FEATURES, KEY_FEATURE_ADOPTION


class Product(BlockBase):
    """Users, engagement, active days and feature use, driven by the usage latent."""

    def _events(self) -> None:
        rng, p = self.rng, self.p
        D = p.days
        # licensed seats per window week; the account provisions users for its seat demand
        # (expansion.py: 85-100% of the seats at signature, then growing and shrinking with its
        # teams), beyond the seats by up to its tolerated overage: users come and go with the
        # teams, seat cuts and expansions, and new users show a demand pressing on the licence
        weeks = np.arange(p.window_weeks)
        seats_w = np.zeros((self.n, weeks.size))
        for (i, d), seats in sorted(self.seats_rows.items()):
            seats_w[i, max(d, 0) // 7 :] = seats
        wanted = np.minimum(self.demand[:, weeks + PRE_WEEKS], seats_w * self.overage[:, None])
        cap_w = np.maximum(1, np.round(wanted)).astype(np.int64)  # (n, W)
        n_users = cap_w.max(axis=1)
        u_acct = np.repeat(np.arange(self.n), n_users)
        U = u_acct.size
        u_rank = np.arange(U) - np.repeat(np.cumsum(n_users) - n_users, n_users)
        u_num = self._new("user", U)
        # A user is engaged in a week when their fixed threshold (plus a little weekly jitter)
        # is below the account's engaged share, which follows the usage latent: unhealthy
        # accounts have fewer engaged users (breadth), who come less often (frequency) and use
        # fewer key features (depth).
        threshold = rng.random(U).astype(np.float32)
        propensity = rng.beta(2.0, 5.5, U).astype(np.float32)
        breadth = rng.uniform(0.5, 1.5, U).astype(np.float32)
        days = np.arange(D)
        wd = self._weekday(days)
        d_date = (p.start_day + days).astype("datetime64[D]")
        md = (d_date - d_date.astype("datetime64[Y]")).astype(np.int64)  # day of year
        holiday = (md >= 357) | (md <= 0)  # ~24 Dec - 1 Jan
        wf = np.where(wd >= 5, np.where(wd == 5, 0.12, 0.08), 1.0) * np.where(holiday, 0.3, 1.0)
        lu_w = self.latent["usage"][:, weeks + PRE_WEEKS]  # (n, W)
        share = np.clip(1.8 * lu_w - 0.55, 0.02, 1.0).astype(np.float32)
        jitter = rng.normal(0.0, 0.08, (U, weeks.size)).astype(np.float32)
        engaged = (threshold[:, None] + jitter) < share[u_acct]  # (U, W)
        engaged &= u_rank[:, None] < cap_w[u_acct]  # only provisioned users
        del jitter
        lu = lu_w[:, days // 7]  # (n, D)
        alive = np.zeros((self.n, D), dtype=bool)
        for e in range(self.ep_from.shape[1]):  # live inside any of the account's episodes
            alive |= (days[None, :] >= self.ep_from[:, e : e + 1]) & (
                days[None, :] < self.ep_to[:, e : e + 1]
            )
        # an account that is leaving winds its use down over the last weeks before the churn
        wind = 1.0 - (1.0 - CHURN_MODEL["wind_down"][1]) * self._leaving(days)
        a_day = ((0.2 + 0.8 * lu) * wf[None, :] * alive * wind).astype(np.float32)
        del wind
        prob = propensity[:, None] * a_day[u_acct] * engaged[:, days // 7]  # (U, D)
        del engaged
        active = rng.random((U, D), dtype=np.float32) < prob
        del prob
        uu, dd = np.nonzero(active)
        del active
        aa = u_acct[uu]
        pop = np.array([f[3] for f in FEATURES], dtype=np.float32)
        key = np.array([f[2] for f in FEATURES])
        # depth: the account has set up a key feature while its usage latent (plus a fixed
        # account-feature offset) is above the feature's KEY_FEATURE_ADOPTION level
        level = np.array([KEY_FEATURE_ADOPTION.get(f[0], -1.0) for f in FEATURES if f[2]])
        offset = rng.normal(0.0, 0.08, (self.n, level.size))
        adopted = (lu_w[:, :, None] + offset[:, None, :]) > level[None, None, :]  # (n, W, k)
        depth = (0.5 + 0.7 * lu[aa, dd]).astype(np.float32)
        factor = np.ones((aa.size, key.size), dtype=np.float32)
        factor[:, key] = depth[:, None] * adopted[aa, dd // 7]
        q = pop[None, :] * breadth[uu, None] * factor
        del factor
        used = rng.random(q.shape, dtype=np.float32) < q
        used[~used.any(axis=1), 0] = True  # an active day touches at least the landing page
        row, feat = np.nonzero(used)
        del used, q
        e_user, e_day = uu[row], dd[row]
        e_acct = u_acct[e_user]
        m = e_acct.size
        hour_base = np.array([13, 7, 0])[self.region[e_acct]]
        secs = hour_base * 3600 + rng.integers(0, 11 * 3600, m)
        ts = self._day_us(e_day) + secs * 1_000_000 + rng.integers(0, 1_000_000, m)
        self._put(
            "product.events",
            {
                "_acct": e_acct,
                "event_id": self._new("event", m),
                "user_id": u_num[e_user],
                "feature_key": feat.astype(np.int16),
                "occurred_at": ts,
            },
            ts,
            None,
        )
