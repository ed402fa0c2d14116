"""The relationship family: contacts (sponsor, champions that come and go, admins, users),
CRM activities and CSM sentiment (``crm.contacts``, ``crm.activities``, ``crm.sentiment``).

Sponsor strength sets how many meetings happen and how many touches reach the sponsor or the
champion; a champion's departure and return are the hidden champion chain itself. Whether a
meeting is held is decided by a per-account show rate drawn once: pure noise. The CSM's
sentiment reads the whole state through a lot of noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_health.second_world.accounts import CSMS
from customer_health.second_world.common import (
    NEVER,
    US_PER_HOUR,
    World,
    frame,
    ids,
    lognormal_lag_us,
)
from customer_health.second_world.params import ACTIVITY, BUDGET, SENTIMENT

CRM_TIMEZONE = "America/Chicago"
_FIRST = (
    "Ada", "Ben", "Cleo", "Dev", "Elif", "Finn", "Gia", "Hugo", "Ines", "Jae", "Kofi", "Lena",
    "Mika", "Nora", "Omar", "Pia", "Ravi", "Sofia", "Tomas", "Uma", "Vera", "Wen", "Yusuf", "Zoe",
)  # fmt: skip
_LAST = (
    "Adeyemi", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Hoang", "Ivanova",
    "Jensen", "Kaur", "López", "Moreau", "Nakamura", "O'Neill", "Petrov", "Quinn", "Rossi",
)  # fmt: skip
NOTES: dict[str, tuple[str, ...]] = {
    "low": (
        "Exec sponsor unresponsive since the reorg.",
        "They are piloting a competitor in one region.",
        "Escalation open, trust is low.",
        "Renewal budget not confirmed.",
    ),
    "mid": (
        "Quiet quarter, nothing alarming.",
        "Adoption uneven across teams.",
        "Waiting on their platform migration.",
    ),
    "high": (
        "Strong exec alignment, roadmap session booked.",
        "Champion presented our results internally.",
        "Expanding to a second business unit.",
    ),
}


def alive_bounds(w: World) -> tuple[np.ndarray, np.ndarray]:
    """Per account: the first and one past the last day it is a customer inside the window."""
    start = np.maximum(w.signed, w.window_start)
    stop = np.minimum(w.churned, w.end + 1)
    return start, np.maximum(start, stop)


def alive_days(w: World) -> np.ndarray:
    """(accounts, window days) mask of the days each account is a customer."""
    start, stop = alive_bounds(w)
    day = np.arange(w.window_start, w.end + 1)[None, :]
    return (day >= start[:, None]) & (day < stop[:, None])


def build_contacts(w: World) -> pd.DataFrame:
    """``crm.contacts``; keeps per account the rows of its sponsor, champions and others."""
    rng = w.rng("relationship")
    rows: list[tuple[int, str, int, int]] = []  # account, role, active_from, active_to
    h = w.hidden
    has_sponsor = (w.segment < 2) | (rng.random(w.n) < 0.6)
    others = np.array([6, 3, 1])[w.segment]
    for i in range(w.n):
        signed, stop = int(w.signed[i]), int(min(w.churned[i], w.end + 1))
        if has_sponsor[i]:
            rows.append((i, "sponsor", signed, NEVER))
        rows.append((i, "admin", signed, NEVER))
        for _ in range(int(others[i])):
            rows.append((i, "user", signed + int(rng.integers(0, 200)), NEVER))
        lo = max(signed, 0)
        c = h.champion[i, lo:stop]
        if c.size == 0:
            continue
        ups = list(np.flatnonzero(np.diff(c) == 1) + 1 + lo)
        downs = list(np.flatnonzero(np.diff(c) == -1) + 1 + lo)
        begins = ([signed] if c[0] == 1 else []) + [int(t) for t in ups]
        for b in begins:
            later = [t for t in downs if t > b]
            rows.append((i, "champion", b, int(later[0]) - 1 if later else NEVER))
    rows = [r for r in rows if r[2] <= w.end]
    a = np.array([r[0] for r in rows], dtype=np.int64)
    role = np.array([r[1] for r in rows], dtype=object)
    start = np.array([r[2] for r in rows], dtype=np.int64)
    stop = np.array([r[3] for r in rows], dtype=np.int64)
    w.contacts = pd.DataFrame({"account": a, "role": role, "start": start, "stop": stop})
    w.contact_ids = ids("CON-", np.arange(a.size), 6)
    first = rng.integers(0, len(_FIRST), a.size)
    last = rng.integers(0, len(_LAST), a.size)
    names = [
        f"{_FIRST[f]}.{_LAST[g]}".lower().replace("'", "") for f, g in zip(first, last, strict=True)
    ]
    domains = [str(w.account_names[x]).split(" ")[0].lower() for x in a]
    email = np.array(
        [f"{n}@{d}-{x}.example.com" for n, d, x in zip(names, domains, a, strict=True)],
        dtype=object,
    )
    phone = np.where(
        rng.random(a.size) < 0.4,
        np.array([f"+1 312 555 {k:04d}" for k in rng.integers(0, 10_000, a.size)], dtype=object),
        None,
    )
    ended = stop < NEVER
    updated = np.where(ended, stop + 1, np.maximum(start, w.window_start))
    return frame(
        "crm.contacts",
        {
            "contact_id": w.contact_ids,
            "account_id": w.account_ids[a],
            "role": role,
            "email": email,
            "phone": phone,
            "active_from": w.dates(start),
            "active_to": np.where(ended, w.dates(np.minimum(stop, w.end)), np.datetime64("NaT")),
        },
        w.day_us(np.minimum(updated, w.end)) + lognormal_lag_us(rng, a.size, 8.0),
    )


def _pick_contacts(
    w: World, acct: np.ndarray, day: np.ndarray, key: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Per activity, the row of a contact of the account in role on the day: the champion
    (else the sponsor) where ``key``, else an admin or user; -1 when there is none."""
    c = w.contacts
    c_acct = c["account"].to_numpy(np.int64)
    role = np.select([c["role"] == "champion", c["role"] == "sponsor"], [0, 1], 2)
    first = np.searchsorted(c_acct, np.arange(w.n + 1))
    count = first[acct + 1] - first[acct]
    pair = np.repeat(np.arange(acct.size), count)
    offset = np.arange(pair.size) - np.repeat(np.cumsum(count) - count, count)
    con = first[acct][pair] + offset
    in_role = (c["start"].to_numpy()[con] <= day[pair]) & (c["stop"].to_numpy()[con] >= day[pair])
    fits = np.where(key[pair], role[con] < 2, role[con] == 2)
    priority = np.where(key[pair], role[con], 0)
    order = np.lexsort((rng.random(pair.size), priority, pair))
    order = order[(in_role & fits)[order]]
    chosen, at = np.unique(pair[order], return_index=True)
    out = np.full(acct.size, -1, dtype=np.int64)
    out[chosen] = con[order[at]]
    return out


def build_activities(w: World) -> pd.DataFrame:
    """``crm.activities``: meetings, calls and emails while the account is a customer."""
    rng = w.rng("relationship", 1)
    alive = alive_days(w)
    days = np.arange(w.window_start, w.end + 1)
    sponsor = w.hidden.sponsor[:, days]
    seg = w.segment
    parts = []
    for kind, rate_key, lift in (
        ("meeting", "meetings_per_month", 0.35),
        ("call", "calls_per_month", 0.0),
        ("email", "emails_per_month", 0.0),
    ):
        rate = np.asarray(ACTIVITY[rate_key])[seg][:, None] / 30.0 * np.exp(lift * sponsor)
        count = rng.poisson(rate * alive)
        a, d = np.nonzero(count)
        a, d = np.repeat(a, count[a, d]), np.repeat(d, count[a, d])
        parts.append((np.full(a.size, kind, dtype=object), a, d))
    kind = np.concatenate([p[0] for p in parts])
    a = np.concatenate([p[1] for p in parts])
    d = np.concatenate([p[2] for p in parts])
    order = np.lexsort((d, a))
    kind, a, d = kind[order], a[order], d[order]
    day = d + w.window_start
    strength = sponsor[a, d]
    key = rng.random(a.size) < 1 / (
        1 + np.exp(-(ACTIVITY["sponsor_logit"] + ACTIVITY["sponsor_per_strength"] * strength))
    )
    contact = _pick_contacts(w, a, day, key, rng)
    show = rng.beta(*ACTIVITY["show_beta"], w.n)  # the account's show rate: pure noise
    held = rng.random(a.size) < show[a]
    missed = np.where(rng.random(a.size) < ACTIVITY["cancelled_share"], "cancelled", "no_show")
    outcome = np.where(kind == "meeting", np.where(held, "held", missed), "completed")
    at = w.day_us(day) + (14 + rng.integers(0, 9, a.size)) * US_PER_HOUR
    at += rng.integers(0, 60, a.size) * 60_000_000
    out = frame(
        "crm.activities",
        {
            "activity_id": ids("ACT-", np.arange(a.size), 7),
            "account_id": w.account_ids[a],
            "contact_id": np.where(contact >= 0, w.contact_ids[np.maximum(contact, 0)], None),
            "activity_type": kind,
            "outcome": outcome.astype(object),
            "occurred_at": at,
        },
        at + lognormal_lag_us(rng, a.size, 3.0),
    )
    out["occurred_at"] = out["occurred_at"].dt.tz_convert(CRM_TIMEZONE)
    return out


def build_sentiment(w: World) -> pd.DataFrame:
    """``crm.sentiment``: the CSM's periodic read of the account, a score or a RAG."""
    rng = w.rng("relationship", 2)
    start, stop = alive_bounds(w)
    cadence = np.asarray(SENTIMENT["cadence_days"])[w.segment]
    covered = (w.segment < 2) | (rng.random(w.n) < SENTIMENT["smb_covered"])
    acct, day = [], []
    for i in np.flatnonzero(covered):
        t = int(start[i]) + int(rng.integers(0, cadence[i]))
        while t < stop[i]:
            acct.append(i)
            day.append(t)
            t += max(7, int(round(cadence[i] * rng.uniform(0.7, 1.3))))
    a, d = np.array(acct, dtype=np.int64), np.array(day, dtype=np.int64)
    h = w.hidden
    budget = np.asarray(BUDGET["levels"])[h.budget[a, d]]
    read = (
        0.55 * h.sponsor[a, d]
        - 0.45 * h.pain[a, d]
        + 0.30 * h.momentum[a, d]
        + 0.25 * h.fit[a, d]
        - 0.25 * budget
        + rng.normal(0.0, SENTIMENT["noise_sd"], a.size)
    )
    score = np.clip(np.round(3.3 + 0.9 * read), 1, 5).astype(np.int64)
    as_rag = rng.random(a.size) < SENTIMENT["rag_share"]
    rag = np.where(read < -0.9, "red", np.where(read < 0.0, "amber", "green"))
    band = np.where(score <= 2, "low", np.where(score == 3, "mid", "high"))
    with_note = rng.random(a.size) < 0.5
    note = np.array(
        [
            NOTES[b][int(k) % len(NOTES[b])]
            for b, k in zip(band, rng.integers(0, 12, a.size), strict=True)
        ],
        dtype=object,
    )
    author = np.where(rng.random(a.size) < 0.9, w.csm[a], rng.integers(0, len(CSMS), a.size))
    at = w.day_us(d) + (15 + rng.integers(0, 7, a.size)) * US_PER_HOUR
    out = frame(
        "crm.sentiment",
        {
            "sentiment_id": ids("SEN-", np.arange(a.size), 6),
            "account_id": w.account_ids[a],
            "author": np.array(CSMS, dtype=object)[author],
            "sentiment_score": pd.array(np.where(as_rag, None, score).tolist(), dtype="Int64"),
            "rag": np.where(as_rag, rag, None).astype(object),
            "note": np.where(with_note, note, None),
            "recorded_at": at,
        },
        at + lognormal_lag_us(rng, a.size, 2.0),
    )
    out["recorded_at"] = out["recorded_at"].dt.tz_convert(CRM_TIMEZONE)
    return out
