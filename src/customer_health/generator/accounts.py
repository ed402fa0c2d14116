"""Accounts: segment, size, plan, tenure and names; the hidden health trajectories; and the
crm.accounts rows with the per-account truth.
"""

from __future__ import annotations

import numpy as np

from customer_health.generator.block import FAR, HOUR_US, NULL, PRE_WEEKS, BlockBase, Table, sigmoid
from customer_health.generator.params import (
    CURRENCIES,
    FAMILIES,
    FAMILY_PERSISTENCE,
    LATENT,
    MESS,
    REGIONS,
    SEATS_RANGE,
    SEGMENT_SHARES,
    SEGMENT_SPELLINGS,
    SEGMENTS,
    SHOCKS,
)
from customer_health.generator.vocab import ADJ, CSMS, INDUSTRIES, NOUN, SUFFIX, TLDS, to_ascii


class Accounts(BlockBase):
    """Draws the accounts and their latent paths; writes crm.accounts and truth.accounts."""

    def _accounts(self) -> None:
        rng, n, p = self.rng, self.n, self.p
        self.segment = rng.choice(3, n, p=[SEGMENT_SHARES[s] for s in SEGMENTS])
        self.currency = rng.choice(3, n, p=[MESS["currency_shares"][c] for c in CURRENCIES])
        self.region = np.where(self.currency == 0, np.where(rng.random(n) < 0.85, 0, 2), 1)
        lo = np.array([SEATS_RANGE[s][0] for s in SEGMENTS])[self.segment]
        hi = np.array([SEATS_RANGE[s][1] for s in SEGMENTS])[self.segment]
        self.seats0 = np.round(lo * np.exp(rng.random(n) * np.log(hi / lo))).astype(np.int64)
        self.plan0 = np.select(
            [self.segment == 0, self.segment == 1], [3, 2], np.where(rng.random(n) < 0.55, 0, 1)
        )
        existing = rng.random(n) < 0.75
        self.created = np.where(
            existing,
            -rng.integers(1, 3 * 365, n),
            rng.integers(0, max(p.days - 14, 1), n),
        ).astype(np.int64)
        self.annual_billing = rng.random(n) < np.array([0.8, 0.4, 0.08])[self.segment]
        self.card = rng.random(n) < np.array([0.05, 0.4, 0.85])[self.segment]
        self.fee = np.where(self.segment == 0, rng.integers(5, 31, n) * 100, 0)
        self.mu = rng.normal(
            np.array([LATENT["baseline_mean"][s] for s in SEGMENTS])[self.segment],
            LATENT["baseline_sd"],
        )
        self.owner = rng.integers(0, len(CSMS), n)
        self.no_owner = rng.random(n) < 0.02
        names = []
        for a, b, c in zip(
            rng.integers(0, len(ADJ), n),
            rng.integers(0, len(NOUN), n),
            rng.integers(0, len(SUFFIX), n),
            strict=True,
        ):
            names.append(f"{ADJ[a]} {NOUN[b]}{SUFFIX[c]}")
        self.names = names
        tld = rng.integers(0, len(TLDS), n)
        self.domains = [
            f"{to_ascii(nm.split(' ')[0]).replace(chr(39), '')}-"
            f"{to_ascii(nm.split(' ')[1]).rstrip(',')}.{TLDS[t]}"
            for nm, t in zip(names, tld, strict=True)
        ]

    def _trajectories(self) -> None:
        """Weekly latent paths on the grid (burn-in + window): overall x and family latents."""
        rng, n, K = self.rng, self.n, self.p.grid_weeks
        shocks = {s: rng.random((n, K)) < spec["rate"] / 52.0 for s, spec in SHOCKS.items()}
        self.shocks = shocks
        kappa, sigma = LATENT["mean_reversion"], LATENT["weekly_sd"]
        x = np.empty((n, K))
        x[:, 0] = self.mu + rng.normal(0, 0.35, n)
        eps = rng.normal(0, sigma, (n, K))
        overall_jump = sum(shocks[s] * spec["overall"] for s, spec in SHOCKS.items())
        for k in range(1, K):
            x[:, k] = x[:, k - 1] + kappa * (self.mu - x[:, k - 1]) + eps[:, k] + overall_jump[:, k]
        self.health = sigmoid(x)
        self.latent: dict[str, np.ndarray] = {}
        for f in FAMILIES:
            rho = FAMILY_PERSISTENCE[f]
            offset = rng.normal(0, LATENT["family_offset_sd"], n)
            jump = sum(shocks[s] * spec.get(f, 0.0) for s, spec in SHOCKS.items())
            noise = rng.normal(0, LATENT["family_weekly_sd"], (n, K))
            d = np.empty((n, K))
            d[:, 0] = rng.normal(0, LATENT["family_weekly_sd"] / np.sqrt(1 - rho**2), n)
            for k in range(1, K):
                d[:, k] = rho * d[:, k - 1] + noise[:, k] + jump[:, k]
            self.latent[f] = sigmoid(x + offset[:, None] + d)
        # onboarding: usage ramps up over the first 8 weeks after signature
        weeks_since = (np.arange(K)[None, :] - PRE_WEEKS) - self.created[:, None] / 7.0
        ramp = np.clip(0.4 + 0.6 * weeks_since / 8.0, 0.4, 1.0)
        self.latent["usage"] = self.latent["usage"] * ramp

    def _account_table(self) -> None:
        rng, n = self.rng, self.n
        seg = np.array(SEGMENTS, dtype=object)[self.segment]
        odd = rng.random(n) < MESS["segment_spelling_share"]
        for j in np.flatnonzero(odd):
            variants = SEGMENT_SPELLINGS[seg[j]]
            seg[j] = variants[rng.integers(0, len(variants))]
        industry = np.array(INDUSTRIES, dtype=object)[rng.integers(0, len(INDUSTRIES), n)]
        industry[rng.random(n) < 0.03] = None
        owner = np.array(CSMS, dtype=object)[self.owner]
        owner[self.no_owner] = None
        parent = np.full(n, NULL, dtype=np.int64)
        ent = np.flatnonzero(self.segment == 0)
        if ent.size:
            cand = np.flatnonzero((self.segment != 0) & (rng.random(n) < 0.04))
            cand = cand[cand > ent[0]]
            for j in cand:
                earlier = ent[ent < j]
                parent[j] = self.first + int(earlier[rng.integers(0, earlier.size)]) + 1
        acct = np.arange(n)
        # one row per version of the account: the CRM's status and churn_date change over time
        versions = self._status_versions()
        keep = versions["day"] <= self.end
        v = {k: col[keep] for k, col in versions.items()}
        a = v["acct"]
        self._put(
            "crm.accounts",
            {
                "_acct": a,
                "account_name": np.array(self.names, dtype=object)[a],
                "segment": seg[a],
                "industry": industry[a],
                "region": np.array(REGIONS, dtype=object)[self.region[a]],
                "owner_csm": owner[a],
                "parent_account_id": parent[a],
                "created_date": self.created[a],
                "account_status": v["status"],
                "churn_date": v["churn_date"],
            },
            self._day_us(v["day"]) + 8 * HOUR_US,
            stale_account,
        )
        deleted = rng.random(n) < MESS["deleted_account_share"]
        t = self.tables["crm.accounts"]
        t["_is_deleted"] = t["_is_deleted"] | deleted[t["_acct"]]
        # truth per account: mean latents over the weeks the account was a customer
        weeks = np.arange(self.p.window_weeks)
        alive_w = (
            (weeks[None, :, None] * 7 + 6 >= self.ep_from[:, None, :])
            & (weeks[None, :, None] * 7 < self.ep_to[:, None, :])
        ).any(axis=2)
        n_alive = alive_w.sum(axis=1)

        def mean(x: np.ndarray) -> np.ndarray:
            total = np.where(alive_w, x[:, weeks + PRE_WEEKS], 0.0).sum(axis=1)
            return np.where(n_alive > 0, total / np.maximum(n_alive, 1), np.nan)

        self.truth["accounts"] = {
            "account": self.first + acct + 1,
            "segment": np.array(SEGMENTS, dtype=object)[self.segment],
            "mean_health": mean(self.health),
            **{f"mean_{f}": mean(self.latent[f]) for f in FAMILIES},
            "churned": self.churn_day < FAR,
            "churn_day": np.where(self.churn_day < FAR, self.p.start_day + self.churn_day, NULL),
            "churns": (self.ep_churn < FAR).sum(axis=1),
            "episodes": (self.ep_from < FAR).sum(axis=1),
            "reactivated": (self.ep_from < FAR).sum(axis=1) > 1,
            "live_at_end": ((self.ep_from <= self.end) & (self.ep_to > self.end)).any(axis=1),
            **self.truth.pop("accounts_lifecycle"),
        }


# Stale versions for duplicates with changed content: mutate the earlier copy (rows idx).
def stale_account(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    t["owner_csm"][idx] = np.array(CSMS, dtype=object)[rng.integers(0, len(CSMS), idx.size)]
