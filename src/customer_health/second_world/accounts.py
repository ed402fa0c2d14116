"""Accounts: segment, signature, contract term, seats, plan and price, billing terms, the
account's own hidden means, and ``crm.accounts``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_health.second_world.common import NEVER, World, frame, ids, lognormal_lag_us
from customer_health.second_world.params import (
    BOOK,
    CRM_SPELLINGS,
    CURRENCIES,
    CURRENCY_SHARES,
    FIT,
    FX,
    INVOICING,
    OTHER_SPELLING_SHARE,
    REGIONS,
    SEATS_RANGE,
    SEGMENT_PLAN,
    SEGMENT_SHARES,
    SEGMENTS,
    SPONSOR,
    STARTER_SHARE,
    TERMS,
)

_NAME_FIRST = (
    "Alder", "Basalt", "Cobalt", "Driftwood", "Ember", "Fjord", "Granite", "Halcyon", "Indigo",
    "Juniper", "Kestrel", "Lumen", "Meridian", "Nimbus", "Obsidian", "Pioneer", "Quarry",
    "Redwood", "Saffron", "Tundra", "Umber", "Vantage", "Willow", "Zephyr",
)  # fmt: skip
_NAME_SECOND = (
    "Analytics", "Biotech", "Capital", "Foods", "Freight", "Health", "Insurance", "Labs",
    "Logistics", "Media", "Mobility", "Partners", "Retail", "Robotics", "Studios", "Telecom",
)  # fmt: skip
_SUFFIX = ("Inc", "GmbH", "Ltd", "LLC", "SA", "Group", "Co")
INDUSTRIES = (
    "fintech", "healthcare", "manufacturing", "retail", "logistics", "media", "education",
    "public_sector", "saas", "hospitality",
)  # fmt: skip
CSMS = (
    "Amara Okafor", "Bruno Lindqvist", "Chloé Martin", "Diego Ramírez", "Esther Cohen",
    "Farid Haddad", "Greta Novak", "Hiro Sato", "Imogen Price", "Jonas Weber",
)  # fmt: skip


def build_accounts(w: World) -> None:
    """Draw the accounts' fixed attributes onto ``w``."""
    rng = w.rng("accounts")
    n = w.n
    seg = rng.choice(len(SEGMENTS), size=n, p=SEGMENT_SHARES)
    new = rng.random(n) < BOOK["new_account_share"]
    history = int(BOOK["history_years"] * 365)
    last = w.end - BOOK["last_signature_gap_days"]
    signed_new = rng.integers(w.window_start, max(w.window_start + 1, last), n)
    signed_old = rng.integers(w.window_start - history, w.window_start, n)
    w.segment = seg
    w.signed = np.where(new, signed_new, signed_old)
    w.churned = np.full(n, NEVER, dtype=np.int64)  # set by the commercial stage
    term = np.empty(n, dtype=np.int64)
    for s, shares in enumerate(TERMS):
        rows = np.flatnonzero(seg == s)
        term[rows] = rng.choice(list(shares), size=rows.size, p=list(shares.values()))
    w.term_months = term
    w.region = rng.choice(len(REGIONS), size=n, p=(0.5, 0.35, 0.15))
    w.currency = rng.choice(len(CURRENCIES), size=n, p=CURRENCY_SHARES)
    w.industry = rng.integers(0, len(INDUSTRIES), n)
    w.csm = rng.integers(0, len(CSMS), n)
    # the account's own long-run means of the hidden fit and sponsor strength
    w.fit_mean = rng.normal(0.0, FIT["mean_sd"], n)
    w.sponsor_mean = rng.normal(0.0, SPONSOR["mean_sd"], n)
    lo = np.array([r[0] for r in SEATS_RANGE])[seg]
    hi = np.array([r[1] for r in SEATS_RANGE])[seg]
    w.seats0 = np.round(np.exp(rng.uniform(np.log(lo), np.log(hi)))).astype(np.int64)
    plan = np.array(SEGMENT_PLAN)[seg]
    w.plan0 = np.where((seg == 2) & (rng.random(n) < STARTER_SHARE), 3, plan)
    # negotiated discount on the list price: large deals get more
    discount = np.choose(seg, [rng.uniform(0.0, 0.30, n), rng.uniform(0.0, 0.10, n), 0.0 * seg])
    w.price_factor = np.asarray(FX)[w.currency] * (1.0 - discount)
    # invoicing period in months and payment terms
    u = rng.random(n)
    annual = np.asarray(INVOICING["annual_share"])[seg]
    quarterly = np.asarray(INVOICING["quarterly_share"])[seg]
    w.invoice_months = np.where(u < annual, 12, np.where(u < annual + quarterly, 3, 1))
    lo_net = np.array([t[0] for t in INVOICING["net_days"]])[seg]
    hi_net = np.array([t[1] for t in INVOICING["net_days"]])[seg]
    w.net_days = np.where(rng.random(n) < 0.5, lo_net, hi_net)
    w.pays_by_card = rng.random(n) < np.asarray(INVOICING["card_share"])[seg]
    w.net_days = np.where(w.pays_by_card, 0, w.net_days)
    w.account_names = _names(rng, n)
    spell_other = rng.random(n) < OTHER_SPELLING_SHARE
    w.segment_text = np.array(
        [
            CRM_SPELLINGS[SEGMENTS[s]][int(rng.integers(1, 3)) if other else 0]
            for s, other in zip(seg, spell_other, strict=True)
        ],
        dtype=object,
    )
    w.account_ids = ids("ACC-", np.arange(n), 5)
    w.subscription_ids = ids("sub_", np.arange(n), 6)


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    a = rng.integers(0, len(_NAME_FIRST), n)
    b = rng.integers(0, len(_NAME_SECOND), n)
    c = rng.integers(0, len(_SUFFIX), n)
    names = [
        f"{_NAME_FIRST[x]} {_NAME_SECOND[y]} {_SUFFIX[z]}" for x, y, z in zip(a, b, c, strict=True)
    ]
    seen: dict[str, int] = {}
    out = []
    for name in names:  # the same name twice gets a numeral, as CRMs often show
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return np.array(out, dtype=object)


def accounts_frame(w: World) -> pd.DataFrame:
    """``crm.accounts``: one row per account, its status and churn date as the CRM has them."""
    rng = w.rng("loading", 1)
    lost = w.churned < NEVER
    updated = np.where(lost, w.churned, np.maximum(w.signed, w.window_start))
    loaded = w.day_us(np.minimum(updated, w.end)) + lognormal_lag_us(rng, w.n, 6.0)
    churn_date = np.where(lost, w.dates(np.minimum(w.churned, w.end)), np.datetime64("NaT"))
    return frame(
        "crm.accounts",
        {
            "account_id": w.account_ids,
            "account_name": w.account_names,
            "segment": w.segment_text,
            "industry": np.array(INDUSTRIES, dtype=object)[w.industry],
            "region": np.array(REGIONS, dtype=object)[w.region],
            "owner_csm": np.array(CSMS, dtype=object)[w.csm],
            "created_date": w.dates(w.signed),
            "account_status": np.where(lost, "churned", "active").astype(object),
            "churn_date": churn_date.astype("datetime64[D]"),
        },
        loaded,
    )
