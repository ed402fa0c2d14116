"""Demo data: a vectorised generator of a realistic B2B SaaS book of accounts.

Every account carries a hidden health trajectory: a weekly random walk with mean reversion and
shocks (champion leaves, product incident, budget cut, successful rollout) on a logit scale.
Four family latents (usage, support, relationship, finance) follow that overall health plus
their own persistent deviations. Each family latent drives its own observable signals: product
events, support tickets, CRM activities and sentiment, invoices and payments. At every renewal
the churn probability is a logistic function of a segment-weighted mix of the family latents
over the 60-120 days before the renewal (see :data:`PLANTED_DRIVERS`), so a calibration that
works should rediscover those weights.

The output is a stream of chunks, each a dict keyed by ``"source.table"`` with exactly the
columns of the raw source contract (:mod:`customer_health.contract`), plus the messiness of real
connector data (late rows, re-synced duplicates, soft deletes, three currencies, spelling
variants): see :data:`MESS` and ``docs/demo_data.md``.

Accounts are generated in fixed blocks of :data:`BLOCK_SIZE`, each with its own random stream
(``SeedSequence(seed, spawn_key=(block,))``) and ids numbered in block order, so the data depends
only on ``(accounts, days, seed, end_date, orgs)``: not on ``chunk_size``.
"""

from __future__ import annotations

import heapq
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from customer_health import contract

DEFAULT_END_DATE = date(2026, 9, 30)

#: Accounts per internal block (one random stream each). Chunks hold whole blocks.
BLOCK_SIZE = 50

SEGMENTS: tuple[str, ...] = ("enterprise", "mid_market", "smb")
SEGMENT_SHARES: dict[str, float] = {"enterprise": 0.15, "mid_market": 0.35, "smb": 0.50}
#: Licensed seats at signature (drawn log-uniformly in the range).
SEATS_RANGE: dict[str, tuple[int, int]] = {
    "enterprise": (30, 150),
    "mid_market": (10, 50),
    "smb": (3, 15),
}
FAMILIES: tuple[str, ...] = ("usage", "support", "relationship", "finance")

#: The planted churn drivers: per segment, the weight of each family latent in the score whose
#: logistic gives the churn probability at renewal. Each row sums to 1. Calibration should
#: recover these (rather than equal weights).
PLANTED_DRIVERS: dict[str, dict[str, float]] = {
    "enterprise": {"usage": 0.10, "support": 0.30, "relationship": 0.50, "finance": 0.10},
    "mid_market": {"usage": 0.40, "support": 0.10, "relationship": 0.40, "finance": 0.10},
    "smb": {"usage": 0.45, "support": 0.05, "relationship": 0.05, "finance": 0.45},
}

#: Churn at renewal: logit(p) = intercept[segment] + slope * (reference - driver score), where
#: the driver score is the PLANTED_DRIVERS-weighted mean of the family latents (0..1) over the
#: lookback window (days before the renewal).
CHURN_MODEL: dict[str, Any] = {
    "lookback_days": (120, 60),
    "slope": 14.0,
    "reference": 0.70,
    "intercept": {"enterprise": -4.1, "mid_market": -4.0, "smb": -3.6},
    # an account that churns winds down over the last days before the renewal: its product use
    # falls to the given share and it files more tickets (exports, cancellation questions):
    # (days, share of its usual activity left on the last day)
    "wind_down": (42, 0.4),
}

#: Champions: yearly rate at which a champion drifts away at the worst relationship latent
#: (scaled by (1 - L)^2, on top of the champion_leaves shock), and the chance a departed
#: champion is replaced, from L = 0 to L = 1 (the wait is longer when L is low).
CHAMPIONS: dict[str, Any] = {"disengage_rate": 2.5, "replace_probability": (0.2, 0.9)}

#: Plan changes outside renewals: yearly rate of distress seat cuts at the worst finance latent
#: (scaled by (1 - L)^2).
DOWNGRADES: dict[str, float] = {"distress_rate": 1.5}

#: Shocks to the hidden trajectory: yearly rate per account, the jump of the overall health
#: (logit scale) and of the family deviations. Family deviations decay with FAMILY_PERSISTENCE.
SHOCKS: dict[str, dict[str, float]] = {
    "champion_leaves": {"rate": 0.25, "overall": -0.25, "relationship": -1.8},
    "product_incident": {"rate": 0.30, "overall": -0.15, "support": -2.0},
    "budget_cut": {"rate": 0.12, "overall": -0.30, "finance": -1.6, "usage": -0.5},
    "successful_rollout": {"rate": 0.20, "overall": 0.30, "usage": 1.2, "relationship": 0.3},
    "company_crisis": {"rate": 0.25, "overall": -2.0},
}
#: Weekly AR(1) persistence of each family's own deviation from the overall health.
FAMILY_PERSISTENCE: dict[str, float] = {
    "usage": 0.93,
    "support": 0.85,
    "relationship": 0.95,
    "finance": 0.95,
}

#: The hidden trajectory (logit scale): each account's baseline ~ Normal(baseline_mean[segment],
#: baseline_sd); weekly x[t] = x[t-1] + mean_reversion * (mu - x[t-1]) + Normal(0, weekly_sd) +
#: shocks. Each family latent is sigmoid(x + offset + d) with a fixed account offset
#: ~ Normal(0, family_offset_sd) and an AR(1) deviation d (FAMILY_PERSISTENCE) whose weekly
#: innovation has sd family_weekly_sd, so the families share the overall health but each carries
#: its own information.
LATENT: dict[str, Any] = {
    "baseline_mean": {"enterprise": 1.0, "mid_market": 0.9, "smb": 0.8},
    "baseline_sd": 0.65,
    "mean_reversion": 0.06,
    "weekly_sd": 0.12,
    "family_offset_sd": 0.8,
    "family_weekly_sd": 0.22,
}

#: Shares of messy connector data. Each applies independently per table unless noted.
MESS: dict[str, Any] = {
    # rows whose _loaded_at lands several days after the event (otherwise 2 min - 20 h after)
    "late_share": 0.02,
    "late_delay_days": (3, 14),
    # keys that arrive twice, the second copy with a later _loaded_at (1 h - 10 days later)
    "duplicate_share": 0.01,
    # of those, the share whose earlier copy holds stale content (e.g. an older status); the
    # rest are identical copies. Immutable tables (events, payments, plan_changes) only get
    # identical copies.
    "duplicate_changed_share": 0.5,
    # rows flagged _is_deleted (on their latest version)
    "soft_delete_share": 0.005,
    # whole accounts whose crm.accounts row is soft-deleted (their other rows stay)
    "deleted_account_share": 0.01,
    # account currency (all money columns of the account use it)
    "currency_shares": {"USD": 0.60, "EUR": 0.25, "GBP": 0.15},
    # churns recorded only as a closed_lost renewal (subscription left active), and only as a
    # cancelled subscription (renewal opportunity left open, contract 'expired')
    "churn_only_in_crm_share": 0.15,
    "churn_only_in_billing_share": 0.15,
    # solved tickets without a CSAT answer
    "csat_missing_share": 0.60,
    # accounts whose segment is spelled differently (case and spacing), see SEGMENT_SPELLINGS
    "segment_spelling_share": 0.05,
    # crm.activities.occurred_at and crm.sentiment.recorded_at come in the CRM's time zone;
    # every other timestamp is UTC
    "crm_timezone": "America/New_York",
}
SEGMENT_SPELLINGS: dict[str, tuple[str, ...]] = {
    "enterprise": ("Enterprise", "ENTERPRISE", " enterprise"),
    "mid_market": ("Mid Market", "mid market", "MID_MARKET", "Mid_Market "),
    "smb": ("SMB", "Smb", " smb"),
}

#: Sentiment entries: weeks between entries per segment, share given as rag instead of a score,
#: share carrying a CSM override of the tier.
SENTIMENT: dict[str, Any] = {
    "cadence_weeks": {"enterprise": 3, "mid_market": 4, "smb": 8},
    "rag_share": 0.25,
    "override_share": 0.03,
    "override_days": (30, 90),
}

FEATURES: tuple[tuple[str, str, bool, float], ...] = (
    # key, display name, is_key_feature, chance a user touches it on an active day
    ("dashboards", "Dashboards", True, 0.70),
    ("reports", "Reports", True, 0.40),
    ("alerts", "Alerts", True, 0.20),
    ("workflows", "Workflows", True, 0.15),
    ("integrations", "Integrations", True, 0.07),
    ("search", "Search", False, 0.30),
    ("exports", "Exports", False, 0.12),
    ("sharing", "Sharing", False, 0.10),
    ("comments", "Comments", False, 0.12),
    ("api", "API", False, 0.05),
    ("mobile_app", "Mobile app", False, 0.08),
    ("admin_settings", "Admin settings", False, 0.03),
)

#: Usage latent above which an account has set up a key feature (plus a fixed account-feature
#: offset ~ Normal(0, 0.08)); dashboards are always there. Below it the feature goes unused.
KEY_FEATURE_ADOPTION: dict[str, float] = {
    "reports": 0.45,
    "alerts": 0.55,
    "workflows": 0.65,
    "integrations": 0.75,
}

PLANS: tuple[str, ...] = ("starter", "team", "business", "enterprise")
#: List price per seat and month in USD; other currencies use FX and round.
PLAN_PRICE_USD: tuple[int, ...] = (20, 35, 55, 85)
CURRENCIES: tuple[str, ...] = ("USD", "EUR", "GBP")
FX: tuple[float, ...] = (1.0, 0.92, 0.79)
REGIONS: tuple[str, ...] = ("amer", "emea", "apac")

# --------------------------------------------------------------------------- internals

_PRE_WEEKS = 18  # latent burn-in before the window, covers the first renewals' lookback
_DAY_US = 86_400_000_000
_HOUR_US = 3_600_000_000
_MIN_US = 60_000_000
NULL = np.iinfo(np.int64).min  # internal null for ids, days and timestamps
_FAR = 10**9  # "never" as a day number
_EPOCH = date(1970, 1, 1)

# entity -> (id prefix, minimum digits)
_ID_FORMAT: dict[str, tuple[str, int]] = {
    "account": ("A", 6),
    "contact": ("C", 7),
    "activity": ("ACT", 8),
    "sentiment": ("S", 6),
    "contract": ("K", 6),
    "opportunity": ("O", 6),
    "event": ("E", 8),
    "user": ("U", 7),
    "ticket": ("T", 7),
    "subscription": ("SUB", 6),
    "change": ("PC", 6),
    "invoice": ("INV", 7),
    "payment": ("PAY", 7),
    "dispute": ("DSP", 6),
}
# (table key, id column) -> entity the column refers to
_ID_COLUMNS: dict[tuple[str, str], str] = {
    ("crm.contacts", "contact_id"): "contact",
    ("crm.activities", "activity_id"): "activity",
    ("crm.activities", "contact_id"): "contact",
    ("crm.sentiment", "sentiment_id"): "sentiment",
    ("crm.contracts", "contract_id"): "contract",
    ("crm.opportunities", "opportunity_id"): "opportunity",
    ("product.events", "event_id"): "event",
    ("product.events", "user_id"): "user",
    ("support.tickets", "ticket_id"): "ticket",
    ("support.tickets", "requester_id"): "contact",
    ("billing.subscriptions", "subscription_id"): "subscription",
    ("billing.plan_changes", "change_id"): "change",
    ("billing.plan_changes", "subscription_id"): "subscription",
    ("billing.invoices", "invoice_id"): "invoice",
    ("billing.payments", "payment_id"): "payment",
    ("billing.payments", "invoice_id"): "invoice",
    ("billing.disputes", "dispute_id"): "dispute",
    ("billing.disputes", "invoice_id"): "invoice",
}
_CRM_TZ_COLUMNS = {("crm.activities", "occurred_at"), ("crm.sentiment", "recorded_at")}

_TABLE_KEYS: tuple[str, ...] = tuple(f"{t.source}.{t.name}" for t in contract.TABLES)

_DIGITS4 = (
    np.array([f"{i:04d}" for i in range(10_000)], dtype="S4").view(np.uint8).reshape(10_000, 4)
)

_ADJ = (
    "Northwind",
    "Blue",
    "Silver",
    "Bright",
    "Granite",
    "Summit",
    "Harbor",
    "Crescent",
    "Golden",
    "Evergreen",
    "Atlas",
    "Pioneer",
    "Nimbus",
    "Vertex",
    "Cobalt",
    "Redwood",
    "Lumen",
    "Polar",
    "Orchid",
    "Falcon",
    "Meridian",
    "Beacon",
    "Sterling",
    "Juniper",
    "Quantum",
    "Riverstone",
    "Aurora",
    "Keystone",
    "Helix",
    "Sapphire",
    "O'Brien",
    "Müller",
    "Crimson",
    "Oakridge",
)
_NOUN = (
    "Traders",
    "Logistics",
    "Analytics",
    "Health",
    "Foods",
    "Systems",
    "Robotics",
    "Media",
    "Energy",
    "Labs",
    "Networks",
    "Capital",
    "Retail",
    "Dynamics",
    "Software",
    "Freight",
    "Insurance",
    "Studios",
    "Biotech",
    "Partners",
    "Works",
    "Outfitters",
    "Pharma",
    "Motors",
)
_SUFFIX = (
    "",
    "",
    "",
    " Inc",
    " Ltd",
    " GmbH",
    " LLC",
    " S.A.",
    " Group",
    " & Co",
    ", Smith & Jones",
    " Holdings",
)
_INDUSTRIES = (
    "software",
    "financial_services",
    "healthcare",
    "retail",
    "manufacturing",
    "logistics",
    "media",
    "education",
    "energy",
    "professional_services",
)
_CSMS = (
    "Dana Whitfield",
    "Marcus Chen",
    "Priya Raman",
    "Lena Vogel",
    "Tom Okafor",
    "Sofia Marques",
    "James O'Connor",
    "Aiko Tanaka",
    "Rachel Stein",
    "Diego Alvarez",
    "Hannah Berg",
    "Omar Haddad",
    "Chloé Martin",
    "Ben Adeyemi",
    "Ingrid Larsen",
    "Kevin Walsh",
    "Mei Lin",
    "Nora Fischer",
    "Sam Patel",
    "Yusuf Demir",
)
_FIRST = (
    "Jo",
    "Alex",
    "Maria",
    "Chris",
    "Sam",
    "Priya",
    "Jonas",
    "Emma",
    "Lucas",
    "Olivia",
    "Noah",
    "Ava",
    "Liam",
    "Mia",
    "Ethan",
    "Zoe",
    "Hugo",
    "Léa",
    "Mateo",
    "Sara",
    "Finn",
    "Nadia",
    "Kenji",
    "Aisha",
    "Tomás",
    "Ingrid",
    "Raj",
    "Chloe",
    "Ben",
    "Yara",
)
_LAST = (
    "Smith",
    "Jones",
    "Garcia",
    "Müller",
    "Rossi",
    "Dubois",
    "Kowalski",
    "Nguyen",
    "Patel",
    "O'Neil",
    "Schmidt",
    "Brown",
    "Tanaka",
    "Silva",
    "Johansson",
    "Khan",
    "Murphy",
    "Novak",
    "Fischer",
    "Lopez",
    "Chen",
    "Taylor",
    "Andersen",
    "Costa",
    "Weber",
)
_TLDS = ("example.com", "example.org", "example.net")
_PHONE = {
    "amer": ("+1 {a} 555 01{b:02d}", (212, 312, 415, 617, 206, 512)),
    "emea": ("+44 20 7946 0{c:03d}", ()),
    "apac": ("+61 2 5550 {d:04d}", ()),
}

_TICKET_SUBJECTS = (
    "How do I export a report to CSV?",
    "SSO login loop",
    "Can't add a user, seat limit reached",
    'Report "Monthly ARR" shows wrong totals',
    "Invoice question: PO number missing",
    "Bulk import fails on row 1,204\nSee attached file.",
    "Feature request: dark mode",
    "Dashboard filters reset after refresh",
    "Webhook retries, duplicate payloads",
    "Password reset email never arrives",
    "Umlaut ä broken in PDF export",
    "API rate limit too low for nightly sync",
    "Question about data retention",
    "Alert emails going to spam",
    "Permissions: viewer can edit dashboards?",
    "Salesforce integration stopped syncing",
    "Slow search on large workspaces",
    "Mobile app crashes on login (iOS 19)",
    "Need help setting up workflows",
    "Change billing contact",
    "Scheduled report sent twice, again",
)
_INCIDENT_SUBJECTS = (
    "URGENT: dashboards not loading",
    "Outage - API returning 500s",
    "Data missing since this morning",
    "All users logged out, cannot sign in",
    'Sync "stuck" for 6 hours',
    "Production workflows failing\nBusiness impact: high",
)
_NOTES = {
    "low": (
        "Sponsor is evaluating alternatives.",
        "Escalation on support backlog; tense call.",
        'Champion said "we are not getting value".',
        "Budget review next quarter, at risk.",
        "No response to the last three emails.",
    ),
    "mid": (
        "Steady, some adoption gaps in reporting.",
        "QBR postponed, rescheduling.",
        "New admin onboarding, needs training.",
        "Asked about pricing for renewal.",
    ),
    "high": (
        "Great QBR, expanding to another team.",
        "Champion very engaged, wants a beta.",
        "Rollout done; usage up across teams.",
        "Reference customer, happy with support.",
    ),
}
_FAILURE_REASONS = ("card_declined", "insufficient_funds", "expired_card", "do_not_honor")


def _sigmoid(x: np.ndarray | float) -> Any:
    return 1.0 / (1.0 + np.exp(-np.asarray(x)))


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def format_ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Object array of ``prefix`` + the number zero-padded to ``width`` digits (more if needed).

    Negative numbers (:data:`NULL`) give None. Vectorised: the digits are written into one
    byte buffer, decoded once and split, so no Python loop runs over the elements.
    """
    nums = np.asarray(numbers, dtype=np.int64).ravel()
    if nums.size == 0:
        return np.empty(0, dtype=object)
    if nums.min() < 0:
        out = np.full(nums.size, None, dtype=object)
        valid = np.flatnonzero(nums >= 0)
        if valid.size:
            out[valid] = format_ids(prefix, nums[valid], width)
        return out
    top = int(nums.max())
    if top < 10**width:
        return _format_fixed(prefix, nums, width)
    out = np.empty(nums.size, dtype=object)
    lower = 0
    while lower <= top:
        upper = 10**width
        sel = np.flatnonzero((nums >= lower) & (nums < upper))
        out[sel] = _format_fixed(prefix, nums[sel], width)
        lower, width = upper, width + 1
    return out


def _format_fixed(prefix: str, nums: np.ndarray, width: int) -> np.ndarray:
    """format_ids for non-negative numbers below 10**width."""
    groups = -(-width // 4)
    digits = np.empty((nums.size, groups * 4), dtype=np.uint8)
    v = nums
    for g in range(groups - 1, -1, -1):
        digits[:, g * 4 : (g + 1) * 4] = _DIGITS4[v % 10_000]
        v = v // 10_000
    pre = np.frombuffer(prefix.encode(), dtype=np.uint8)
    line = np.empty((nums.size, pre.size + width + 1), dtype=np.uint8)
    line[:, : pre.size] = pre
    line[:, pre.size : -1] = digits[:, groups * 4 - width :]
    line[:, -1] = 10  # newline separator
    text = line.tobytes().decode("ascii").split("\n")
    text.pop()
    return np.array(text, dtype=object)


def _ascii(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()


@dataclass(frozen=True)
class _Params:
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
        return (self.start_date - _EPOCH).days

    @property
    def window_weeks(self) -> int:
        return -(-self.days // 7)

    @property
    def grid_weeks(self) -> int:
        return _PRE_WEEKS + self.window_weeks + 1


Table = dict[str, np.ndarray]


class _Block:
    """One block of accounts: simulate everything, return internal column arrays per table."""

    def __init__(
        self, p: _Params, block: int, first: int, n: int, counters: dict[str, int]
    ) -> None:
        self.p = p
        self.first = first  # global index of the first account (0-based)
        self.n = n
        self.rng = np.random.default_rng(np.random.SeedSequence(p.seed, spawn_key=(block,)))
        self.end = p.days - 1  # last window day (window days are 0..end)
        self.tables: dict[str, Table] = {}
        self.counters = counters  # entity -> ids handed out so far (shared, in block order)
        self.truth: dict[str, Table] = {}

    # ------------------------------------------------------------------ helpers
    def _day_us(self, day: np.ndarray) -> np.ndarray:
        return (self.p.start_day + np.asarray(day, dtype=np.int64)) * _DAY_US

    def _grid(self, day: np.ndarray | int) -> Any:
        return np.clip(np.floor_divide(day, 7) + _PRE_WEEKS, 0, self.p.grid_weeks - 1)

    def _weekday(self, day: np.ndarray) -> np.ndarray:
        return (self.p.start_date.weekday() + np.asarray(day)) % 7

    def _business_time(self, acct: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Timestamps (us) within local business hours of the account's region."""
        base = np.array([14, 8, 1])[self.region[acct]]  # 9-10 am local, in UTC hours
        hours = base + self.rng.random(acct.size) * 9.0
        return self._day_us(day) + (hours * _HOUR_US).astype(np.int64)

    def _alive(self, acct: np.ndarray, day: np.ndarray) -> np.ndarray:
        return (day >= self.alive_from[acct]) & (day < self.alive_to[acct]) & (day <= self.end)

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
        """(n, days): 0 until the wind-down before an account's churn, rising to 1 at the churn."""
        left = (self.churn_day[:, None] - np.asarray(day)[None, :]) / CHURN_MODEL["wind_down"][0]
        return np.clip(1.0 - left, 0.0, 1.0)

    def _family_at(self, family: str, acct: np.ndarray, day: np.ndarray) -> np.ndarray:
        return self.latent[family][acct, self._grid(day)]

    # ------------------------------------------------------------------ simulation
    def run(self) -> None:
        self._accounts()
        self._trajectories()
        self._commercial()
        self._contacts()
        self._activities()
        self._sentiment()
        self._tickets()
        self._billing()
        self._events()
        self._account_table()

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
        self.owner = rng.integers(0, len(_CSMS), n)
        self.no_owner = rng.random(n) < 0.02
        names = []
        for a, b, c in zip(
            rng.integers(0, len(_ADJ), n),
            rng.integers(0, len(_NOUN), n),
            rng.integers(0, len(_SUFFIX), n),
            strict=True,
        ):
            names.append(f"{_ADJ[a]} {_NOUN[b]}{_SUFFIX[c]}")
        self.names = names
        tld = rng.integers(0, len(_TLDS), n)
        self.domains = [
            f"{_ascii(nm.split(' ')[0]).replace(chr(39), '')}-"
            f"{_ascii(nm.split(' ')[1]).rstrip(',')}.{_TLDS[t]}"
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
        self.health = _sigmoid(x)
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
            self.latent[f] = _sigmoid(x + offset[:, None] + d)
        # onboarding: usage ramps up over the first 8 weeks after signature
        weeks_since = (np.arange(K)[None, :] - _PRE_WEEKS) - self.created[:, None] / 7.0
        ramp = np.clip(0.4 + 0.6 * weeks_since / 8.0, 0.4, 1.0)
        self.latent["usage"] = self.latent["usage"] * ramp

    def _shock_days(self, name: str) -> list[list[int]]:
        """Per account, the window days of a shock type while the account exists."""
        acct, k = np.nonzero(self.shocks[name])
        day = (k - _PRE_WEEKS) * 7 + self.rng.integers(0, 7, acct.size)
        keep = (day >= 0) & (day >= self.created[acct]) & (day <= self.end)
        out: list[list[int]] = [[] for _ in range(self.n)]
        for a, d in zip(acct[keep].tolist(), day[keep].tolist(), strict=True):
            out[a].append(d)
        return out

    def _mrr(self, i: int, plan: int, seats: int) -> float:
        price = round(PLAN_PRICE_USD[plan] * FX[self.currency[i]])
        return float(seats * price + round(self.fee[i] * FX[self.currency[i]]))

    def _commercial(self) -> None:
        """Contracts, renewals (churn decisions), plan and seat changes, opportunities."""
        rng, p = self.rng, self.p
        start_date = p.start_date
        budget = self._shock_days("budget_cut")
        crisis = self._shock_days("company_crisis")
        # financial distress: seat cuts and downgrades outside renewals, more often when the
        # finance latent is low (weekly hazard DOWNGRADES["distress_rate"] / 52 * (1 - L)^2)
        fin_w = self.latent["finance"][:, _PRE_WEEKS : _PRE_WEEKS + p.window_weeks]
        distress = rng.random(fin_w.shape) < DOWNGRADES["distress_rate"] / 52 * (1 - fin_w) ** 2
        use_w = self.latent["usage"]
        rollout = self._shock_days("successful_rollout")
        lb_far, lb_near = CHURN_MODEL["lookback_days"]
        weights = np.array([[PLANTED_DRIVERS[s][f] for f in FAMILIES] for s in SEGMENTS])
        fam = np.stack([self.latent[f] for f in FAMILIES])  # (4, n, K)
        contracts: list[tuple[Any, ...]] = []
        opps: list[tuple[Any, ...]] = []
        changes: list[tuple[Any, ...]] = []
        seats_rows: dict[tuple[int, int], int] = {}
        timeline: list[tuple[int, int, float]] = []
        subs: list[tuple[Any, ...]] = []
        renewals: list[tuple[Any, ...]] = []
        churn_day = np.full(self.n, _FAR, dtype=np.int64)
        self.contract_starts: list[tuple[int, int, float]] = []
        for i in range(self.n):
            seg = int(self.segment[i])
            plan, seats = int(self.plan0[i]), int(self.seats0[i])
            mrr = self._mrr(i, plan, seats)
            c0 = int(self.created[i])
            signed = start_date + timedelta(days=c0)
            timeline.append((i, c0, mrr))
            seats_rows[(i, c0)] = seats
            last_change = c0
            heap: list[tuple[int, int, str, Any]] = []
            order = 0
            year = 1
            while True:
                r = (_add_years(signed, year) - start_date).days
                heap.append((r, order, "renewal", year))
                order += 1
                if r > self.end:
                    break
                year += 1
            for d in budget[i]:
                if rng.random() < 0.6:
                    heap.append((d + int(rng.integers(7, 46)), order, "cut", None))
                    order += 1
            for d in crisis[i]:
                if rng.random() < 0.5:
                    heap.append((d + int(rng.integers(14, 61)), order, "cut", None))
                    order += 1
            for d in rollout[i]:
                heap.append((d + int(rng.integers(14, 61)), order, "expansion", None))
                order += 1
            for d in np.flatnonzero(rng.random(self.p.days) < 0.4 / 365).tolist():
                if d >= c0:
                    heap.append((d, order, "drift", None))
                    order += 1
            for w in np.flatnonzero(distress[i]).tolist():
                d = w * 7 + int(rng.integers(0, 7))
                if d >= c0:
                    heap.append((d, order, "cut", None))
                    order += 1
            heapq.heapify(heap)
            k_start, arr = c0, 12 * mrr
            status = "active"
            while heap:
                day, _, kind, _ = heapq.heappop(heap)
                if kind == "renewal":
                    if day > self.end:
                        contracts.append((i, k_start, day - 1, day, arr, "active"))
                        if day <= self.end + 120:
                            opps.append((i, "renewal", "open", day, 12 * mrr, 12 * mrr, day - 120))
                        break
                    if day < 0:  # history before the window: survivors renewed flat
                        contracts.append((i, k_start, day - 1, day, arr, "renewed"))
                        opps.append((i, "renewal", "closed_won", day, 12 * mrr, 12 * mrr, day))
                        k_start, arr = day, 12 * mrr
                        continue
                    kf, kn = int(self._grid(day - lb_far)), int(self._grid(day - lb_near))
                    fam_means = fam[:, i, kf : kn + 1].mean(axis=1)
                    score = float(weights[seg] @ fam_means)
                    prob = float(
                        _sigmoid(
                            CHURN_MODEL["intercept"][SEGMENTS[seg]]
                            + CHURN_MODEL["slope"] * (CHURN_MODEL["reference"] - score)
                        )
                    )
                    churned = rng.random() < prob
                    recorded = None
                    if churned:
                        u = rng.random()
                        recorded = (
                            "crm"
                            if u < MESS["churn_only_in_crm_share"]
                            else "billing"
                            if u
                            < MESS["churn_only_in_crm_share"] + MESS["churn_only_in_billing_share"]
                            else "both"
                        )
                    renewals.append((i, day, *fam_means.tolist(), score, prob, churned, recorded))
                    if churned:
                        churn_day[i] = day
                        status = "cancelled" if recorded != "crm" else "active"
                        contracts.append(
                            (
                                i,
                                k_start,
                                day - 1,
                                day,
                                arr,
                                "expired" if recorded == "billing" else "churned",
                            )
                        )
                        opps.append(
                            (
                                i,
                                "renewal",
                                "open" if recorded == "billing" else "closed_lost",
                                day,
                                12 * mrr,
                                12 * mrr,
                                day - 120 if recorded == "billing" else day,
                            )
                        )
                        break
                    prev = 12 * mrr
                    p_down = float(_sigmoid(-2.0 + 10.0 * (0.55 - score)))
                    p_up = float(_sigmoid(-2.0 + 10.0 * (score - 0.80)))
                    u = rng.random()
                    new_plan, new_seats, ctype = plan, seats, ""
                    if u < p_down:
                        if plan == 1 and rng.random() < 0.4:
                            new_plan, ctype = 0, "downgrade"
                        else:
                            new_seats = max(1, round(seats * rng.uniform(0.6, 0.9)))
                            ctype = "downgrade" if new_seats < seats else ""
                    elif u > 1 - p_up:
                        if plan == 0 and rng.random() < 0.4:
                            new_plan, ctype = 1, "upgrade"
                        else:
                            new_seats = round(seats * rng.uniform(1.1, 1.5))
                            ctype = "upgrade" if new_seats > seats else ""
                    contracts.append((i, k_start, day - 1, day, arr, "renewed"))
                    if ctype:
                        new_mrr = self._mrr(i, new_plan, new_seats)
                        changes.append((i, ctype, seats, new_seats, mrr, new_mrr, day))
                        plan, seats, mrr = new_plan, new_seats, new_mrr
                        seats_rows[(i, day)] = seats
                        timeline.append((i, day, mrr))
                        last_change = day
                    opps.append((i, "renewal", "closed_won", day, 12 * mrr, prev, day))
                    k_start, arr = day, 12 * mrr
                    if day >= 0:
                        self.contract_starts.append((i, day, arr))
                    continue
                if day > self.end:
                    continue
                new_plan, new_seats, ctype = plan, seats, ""
                if kind == "cut":
                    if plan == 1 and rng.random() < 0.3:
                        new_plan, ctype = 0, "downgrade"
                    else:
                        new_seats = max(1, round(seats * rng.uniform(0.6, 0.9)))
                        ctype = "seat_change" if new_seats < seats else ""
                elif kind == "expansion":
                    extra = max(1, round(seats * rng.uniform(0.15, 0.6)))
                    amount = 12 * (self._mrr(i, plan, seats + extra) - mrr)
                    stage = "closed_won" if rng.random() < 0.65 else "closed_lost"
                    opps.append((i, "expansion", stage, day, amount, 12 * mrr, day))
                    if stage == "closed_won":
                        if plan == 0 and rng.random() < 0.3:
                            new_plan, ctype = 1, "upgrade"
                        else:
                            new_seats, ctype = seats + extra, "seat_change"
                elif kind == "drift":
                    step = int(rng.integers(1, max(2, seats // 10 + 1) + 1))
                    p_up = 0.1 + 0.75 * float(use_w[i, self._grid(day)])
                    new_seats = max(1, seats + (step if rng.random() < p_up else -step))
                    ctype = "seat_change" if new_seats != seats else ""
                if ctype:
                    new_mrr = self._mrr(i, new_plan, new_seats)
                    changes.append((i, ctype, seats, new_seats, mrr, new_mrr, day))
                    plan, seats, mrr = new_plan, new_seats, new_mrr
                    seats_rows[(i, day)] = seats
                    timeline.append((i, day, mrr))
                    last_change = day
            # expansions still open at the end of the window
            for d in rollout[i]:
                close = d + 45
                if close > self.end and d < churn_day[i] and rng.random() < 0.5:
                    amount = 12 * (self._mrr(i, plan, seats + max(1, seats // 4)) - mrr)
                    opps.append((i, "expansion", "open", close, amount, 12 * mrr, d))
            cancelled = int(churn_day[i]) if status == "cancelled" else NULL
            subs.append(
                (
                    i,
                    PLANS[plan],
                    seats,
                    mrr,
                    status,
                    c0,
                    cancelled,
                    max(last_change, c0) if cancelled == NULL else cancelled,
                )
            )
        self.churn_day = churn_day
        self.alive_from = np.maximum(self.created, 0)
        self.alive_to = np.minimum(churn_day, self.p.days)
        self.timeline = np.array(timeline, dtype=np.float64).reshape(-1, 3)
        self.seats_rows = seats_rows
        self._commercial_tables(contracts, opps, changes, seats_rows, subs, renewals)

    def _commercial_tables(
        self,
        contracts: list[tuple[Any, ...]],
        opps: list[tuple[Any, ...]],
        changes: list[tuple[Any, ...]],
        seats_rows: dict[tuple[int, int], int],
        subs: list[tuple[Any, ...]],
        renewals: list[tuple[Any, ...]],
    ) -> None:
        cur = np.array(CURRENCIES, dtype=object)
        c = _transpose(contracts, 6)
        acct = np.array(c[0], dtype=np.int64)
        status = np.array(c[5], dtype=object)
        renewal = np.array(c[3], dtype=np.int64)
        start = np.array(c[1], dtype=np.int64)
        base = np.where(np.isin(status, ["renewed", "churned", "expired"]), renewal, start)
        self._put(
            "crm.contracts",
            {
                "_acct": acct,
                "contract_id": self._new("contract", acct.size),
                "start_date": start,
                "end_date": np.array(c[2], dtype=np.int64),
                "renewal_date": renewal,
                "arr_amount": np.array(c[4], dtype=np.float64),
                "currency": cur[self.currency[acct]],
                "status": status,
            },
            self._day_us(np.minimum(base, self.end)) + 6 * _HOUR_US,
            _stale_contract,
        )

        o = _transpose(opps, 7)
        acct = np.array(o[0], dtype=np.int64)
        self._put(
            "crm.opportunities",
            {
                "_acct": acct,
                "opportunity_id": self._new("opportunity", acct.size),
                "opportunity_type": np.array(o[1], dtype=object),
                "stage": np.array(o[2], dtype=object),
                "close_date": np.array(o[3], dtype=np.int64),
                "amount": np.round(np.array(o[4], dtype=np.float64), 2),
                "previous_amount": np.round(np.array(o[5], dtype=np.float64), 2),
                "currency": cur[self.currency[acct]],
            },
            self._day_us(np.minimum(np.array(o[6], dtype=np.int64), self.end)) + 9 * _HOUR_US,
            _stale_opportunity,
        )

        s = _transpose(subs, 8)
        acct = np.array(s[0], dtype=np.int64)
        self.sub_number = self._new("subscription", acct.size)  # one per account, in order
        self._put(
            "billing.subscriptions",
            {
                "_acct": acct,
                "subscription_id": self.sub_number,
                "plan": np.array(s[1], dtype=object),
                "seats": np.array(s[2], dtype=np.int64),
                "mrr_amount": np.array(s[3], dtype=np.float64),
                "currency": cur[self.currency[acct]],
                "status": np.array(s[4], dtype=object),
                "started_at": self._day_us(np.array(s[5], dtype=np.int64)),
                "cancelled_at": _days_to_us(self, np.array(s[6], dtype=np.int64)),
            },
            self._day_us(np.minimum(np.array(s[7], dtype=np.int64), self.end)) + 3 * _HOUR_US,
            _stale_subscription,
        )

        ch = _transpose(changes, 7)
        acct = np.array(ch[0], dtype=np.int64)
        changed_at = self._day_us(np.array(ch[6], dtype=np.int64))
        self._put(
            "billing.plan_changes",
            {
                "_acct": acct,
                "change_id": self._new("change", acct.size),
                "subscription_id": self.sub_number[acct],
                "change_type": np.array(ch[1], dtype=object),
                "seats_before": np.array(ch[2], dtype=np.int64),
                "seats_after": np.array(ch[3], dtype=np.int64),
                "mrr_before": np.array(ch[4], dtype=np.float64),
                "mrr_after": np.array(ch[5], dtype=np.float64),
                "currency": cur[self.currency[acct]],
                "changed_at": changed_at,
            },
            changed_at,
            None,
        )

        keys = sorted(seats_rows)
        acct = np.array([k[0] for k in keys], dtype=np.int64)
        eff = np.array([k[1] for k in keys], dtype=np.int64)
        self._put(
            "product.seats",
            {
                "_acct": acct,
                "effective_date": eff,
                "licensed_seats": np.array([seats_rows[k] for k in keys], dtype=np.int64),
            },
            self._day_us(eff) + 2 * _HOUR_US,
            _stale_seats,
        )

        r = _transpose(renewals, 9)
        acct = np.array(r[0], dtype=np.int64)
        self.truth["renewals"] = {
            "account": self.first + acct + 1,
            "segment": np.array(SEGMENTS, dtype=object)[self.segment[acct]],
            "renewal_day": self.p.start_day + np.array(r[1], dtype=np.int64),
            **{f: np.array(r[2 + j], dtype=np.float64) for j, f in enumerate(FAMILIES)},
            "driver_score": np.array(r[6], dtype=np.float64),
            "churn_probability": np.array(r[7], dtype=np.float64),
            "churned": np.array(r[8], dtype=bool),
            "recorded_in": np.array(r[9] if len(r) > 9 else (), dtype=object),
        }

    def _contacts(self) -> None:
        rng = self.rng
        champ_leaves = self._shock_days("champion_leaves")
        # champions also drift away when the relationship is poor (no latent jump: a symptom)
        rel = self.latent["relationship"]
        rel_w = rel[:, _PRE_WEEKS : _PRE_WEEKS + self.p.window_weeks]
        drift = rng.random(rel_w.shape) < CHAMPIONS["disengage_rate"] / 52 * (1 - rel_w) ** 2
        rows: list[tuple[int, str, int, int]] = []  # account, role, from, to
        n_champ = 1 + (rng.random(self.n) < np.array([0.6, 0.4, 0.2])[self.segment])
        n_admin = 1 + (rng.random(self.n) < np.array([0.7, 0.4, 0.15])[self.segment])
        n_user = rng.integers(np.array([3, 2, 1])[self.segment], np.array([9, 6, 4])[self.segment])
        for i in range(self.n):
            c0 = int(self.created[i])
            rows.append((i, "sponsor", c0, NULL))
            champs = []
            for _ in range(n_champ[i]):
                champs.append(len(rows))
                rows.append((i, "champion", c0, NULL))
            for _ in range(n_admin[i]):
                rows.append((i, "admin", c0, NULL))
            for _ in range(n_user[i]):
                f = c0 + int(rng.integers(0, 200))
                if f > self.end:
                    continue
                t = NULL
                if rng.random() < 0.08:
                    t = f + int(rng.integers(30, 400))
                    t = t if t <= self.end else NULL
                rows.append((i, "user", f, t))
            drift_days = [w * 7 + int(rng.integers(0, 7)) for w in np.flatnonzero(drift[i])]
            for d in sorted(champ_leaves[i] + [d for d in drift_days if d >= c0]):
                if d >= self.churn_day[i] or d > self.end:
                    continue
                active = [j for j in champs if rows[j][2] <= d and rows[j][3] == NULL]
                if not active:
                    continue
                j = active[0]
                rows[j] = (i, "champion", rows[j][2], d)
                lr = float(rel[i, self._grid(d)])
                lo, hi = CHAMPIONS["replace_probability"]
                if rng.random() < lo + (hi - lo) * lr:
                    f = d + int(rng.integers(28, 141) * (0.6 + 1.2 * (1 - lr)))
                    if f <= self.end and f < self.churn_day[i]:
                        champs.append(len(rows))
                        rows.append((i, "champion", f, NULL))
        acct = np.array([r[0] for r in rows], dtype=np.int64)
        role = np.array([r[1] for r in rows], dtype=object)
        a_from = np.array([r[2] for r in rows], dtype=np.int64)
        a_to = np.array([r[3] for r in rows], dtype=np.int64)
        m = acct.size
        first = rng.integers(0, len(_FIRST), m)
        last = rng.integers(0, len(_LAST), m)
        email = np.array(
            [
                f"{_ascii(_FIRST[f])}.{_ascii(_LAST[ln]).replace(chr(39), '')}@{self.domains[a]}"
                for f, ln, a in zip(first, last, acct, strict=True)
            ],
            dtype=object,
        )
        email[rng.random(m) < 0.03] = None
        phone = np.empty(m, dtype=object)
        ra = self.region[acct]
        nums = rng.integers(0, 10_000, m)
        areas = _PHONE["amer"][1]
        area = rng.integers(0, len(areas), m)
        for j in range(m):
            if ra[j] == 0:
                phone[j] = _PHONE["amer"][0].format(a=areas[area[j]], b=nums[j] % 100)
            elif ra[j] == 1:
                phone[j] = _PHONE["emea"][0].format(c=nums[j] % 1000)
            else:
                phone[j] = _PHONE["apac"][0].format(d=nums[j])
        phone[rng.random(m) < 0.4] = None
        self.contact = {
            "acct": acct,
            "role": role,
            "from": a_from,
            "to": np.where(a_to == NULL, _FAR, a_to),
        }
        ids = self._new("contact", m)
        self.contact["id"] = ids
        base = np.maximum(a_from, np.where(a_to == NULL, a_from, a_to))
        self._put(
            "crm.contacts",
            {
                "_acct": acct,
                "contact_id": ids,
                "role": role,
                "email": email,
                "phone": phone,
                "active_from": a_from,
                "active_to": a_to,
            },
            self._day_us(np.clip(base, None, self.end)) + 4 * _HOUR_US,
            _stale_contact,
        )
        # padded per-role lookup: role -> (n, kmax) of contact row indices (-1 = none)
        self.role_index: dict[str, np.ndarray] = {}
        for r in ("sponsor", "champion", "admin", "user", "any"):
            sel = np.flatnonzero(role == r) if r != "any" else np.arange(m)
            counts = np.bincount(acct[sel], minlength=self.n)
            kmax = max(int(counts.max()) if counts.size else 0, 1)
            mat = np.full((self.n, kmax), -1, dtype=np.int64)
            order = np.argsort(acct[sel], kind="stable")
            srt = sel[order]
            pos = np.arange(srt.size) - np.repeat(np.cumsum(counts) - counts, counts)
            mat[acct[srt], pos] = srt
            self.role_index[r] = mat

    def _pick_contacts(
        self, acct: np.ndarray, day: np.ndarray, probs: dict[str, float]
    ) -> np.ndarray:
        """A contact (row index, -1 = none) per item: role drawn from probs, active on day."""
        roles = list(probs)
        choice = self.rng.choice(len(roles), acct.size, p=list(probs.values()))
        out = np.full(acct.size, -1, dtype=np.int64)
        for r_i, r in enumerate([*roles, "any"]):
            sel = np.flatnonzero((choice == r_i) if r != "any" else (out < 0))
            if sel.size == 0:
                continue
            cand = self.role_index[r][acct[sel]]
            c = np.clip(cand, 0, None)
            ok = (
                (cand >= 0)
                & (self.contact["from"][c] <= day[sel, None])
                & (self.contact["to"][c] >= day[sel, None])
            )
            score = self.rng.random(cand.shape) * ok
            best = score.argmax(axis=1)
            got = ok[np.arange(sel.size), best]
            out[sel[got]] = cand[got, best[got]]
        return out

    def _activities(self) -> None:
        rng = self.rng
        W = self.p.window_weeks
        k = np.arange(W) + _PRE_WEEKS
        rel = self.latent["relationship"][:, k]
        seg = self.segment
        parts = []
        specs = (
            # kind, weekly base per segment, rate = base * (a + b * L^k)
            ("meeting", np.array([0.5, 0.2, 0.06]), 0.1, 1.4, 2),
            ("call", np.array([0.4, 0.25, 0.1]), 0.05, 1.5, 2),
            ("email", np.array([1.5, 0.8, 0.3]), 0.3, 1.2, 1),
        )
        for kind, base, a, b, k_exp in specs:
            acct, day = self._weekly_counts(base[seg][:, None] * (a + b * rel**k_exp))
            if kind != "email":
                day = self._to_weekday(day)
                keep = self._alive(acct, day)
                acct, day = acct[keep], day[keep]
            lr = self._family_at("relationship", acct, day)
            if kind == "meeting":
                held = rng.random(acct.size) < np.clip(1.2 * lr - 0.05, 0.05, 0.97)
                outcome = np.where(
                    held, "held", np.where(rng.random(acct.size) < 0.65, "cancelled", "no_show")
                )
                sponsor = 0.02 + 0.35 * lr
                champion = 0.1 + 0.55 * lr
            else:
                outcome = np.full(acct.size, "completed")
                sponsor = 0.02 + 0.12 * lr
                champion = 0.1 + 0.5 * lr
            # role per item: sponsor / champion / other (admin or user)
            u = rng.random(acct.size)
            contact = np.full(acct.size, -1, dtype=np.int64)
            for role, sel in (
                ("sponsor", u < sponsor),
                ("champion", (u >= sponsor) & (u < sponsor + champion)),
                ("other", u >= sponsor + champion),
            ):
                idx = np.flatnonzero(sel)
                probs = {"admin": 0.5, "user": 0.5} if role == "other" else {role: 1.0}
                contact[idx] = self._pick_contacts(acct[idx], day[idx], probs)
            contact[rng.random(acct.size) < 0.04] = -1
            ts = (
                self._business_time(acct, day)
                if kind != "email"
                else self._day_us(day) + rng.integers(0, 24 * _HOUR_US, acct.size)
            )
            parts.append(
                (acct, np.full(acct.size, kind, dtype=object), outcome.astype(object), contact, ts)
            )
        acct = np.concatenate([q[0] for q in parts])
        contact = np.concatenate([q[3] for q in parts])
        ts = np.concatenate([q[4] for q in parts])
        self._put(
            "crm.activities",
            {
                "_acct": acct,
                "activity_id": self._new("activity", acct.size),
                "contact_id": np.where(
                    contact >= 0, self.contact["id"][np.clip(contact, 0, None)], NULL
                ),
                "activity_type": np.concatenate([q[1] for q in parts]),
                "outcome": np.concatenate([q[2] for q in parts]),
                "occurred_at": ts,
            },
            ts,
            _stale_activity,
        )

    def _sentiment(self) -> None:
        rng = self.rng
        W = self.p.window_weeks
        cadence = np.array([SENTIMENT["cadence_weeks"][s] for s in SEGMENTS])[self.segment]
        hit = rng.random((self.n, W)) < (1.0 / cadence)[:, None]
        acct, week = np.nonzero(hit)
        day = week * 7 + rng.integers(0, 5, acct.size)
        # an extra entry shortly after a champion leaves
        cl_acct, cl_k = np.nonzero(self.shocks["champion_leaves"])
        extra = rng.random(cl_acct.size) < 0.7
        cl_day = (cl_k[extra] - _PRE_WEEKS) * 7 + rng.integers(7, 15, int(extra.sum()))
        acct = np.concatenate([acct, cl_acct[extra]])
        day = self._to_weekday(np.concatenate([day, cl_day]))
        keep = self._alive(acct, day) & (day >= 0)
        acct, day = acct[keep], day[keep]
        m = acct.size
        q = (
            0.8 * self._family_at("relationship", acct, day)
            + 0.2 * self.health[acct, self._grid(day)]
        )
        noisy = q + rng.normal(0, 0.10, m)
        score = np.clip(np.round(1 + 4 * noisy), 1, 5).astype(np.int64)
        rag_mode = rng.random(m) < SENTIMENT["rag_share"]
        rag = np.where(noisy < 0.4, "red", np.where(noisy < 0.65, "amber", "green")).astype(object)
        level = np.where(noisy < 0.45, "low", np.where(noisy < 0.7, "mid", "high"))
        note = np.empty(m, dtype=object)
        pick = rng.integers(0, 1000, m)
        for lv, texts in _NOTES.items():
            sel = level == lv
            note[sel] = np.array(texts, dtype=object)[pick[sel] % len(texts)]
        note[rng.random(m) < 0.25] = None
        override = rng.random(m) < SENTIMENT["override_share"]
        tier = np.where(noisy < 0.35, "critical", np.where(noisy < 0.6, "at_risk", "healthy"))
        ts = self._business_time(acct, day)
        lo, hi = SENTIMENT["override_days"]
        expires = ts + rng.integers(lo, hi + 1, m) * _DAY_US
        author_idx = np.where(
            (rng.random(m) < 0.9) & ~self.no_owner[acct],
            self.owner[acct],
            rng.integers(0, len(_CSMS), m),
        )
        self._put(
            "crm.sentiment",
            {
                "_acct": acct,
                "sentiment_id": self._new("sentiment", m),
                "author": np.array(_CSMS, dtype=object)[author_idx],
                "sentiment_score": np.where(rag_mode, NULL, score),
                "rag": np.where(rag_mode, rag, None),
                "note": note,
                "recorded_at": ts,
                "override_tier": np.where(override, tier.astype(object), None),
                "override_expires_at": np.where(override, expires, NULL),
            },
            ts,
            _stale_sentiment,
        )

    def _tickets(self) -> None:
        rng = self.rng
        W = self.p.window_weeks
        k = np.arange(W) + _PRE_WEEKS
        sup = self.latent["support"][:, k]
        size = np.sqrt(self.seats0 / np.array([80.0, 25.0, 7.0])[self.segment])
        base = np.array([0.8, 0.3, 0.12])[self.segment] * size
        # an account that is leaving asks more in its last weeks (exports, cancellation, invoices)
        leaving = self._leaving(np.arange(W) * 7 + 3)
        rate = base[:, None] * (0.1 + 6.0 * (1 - sup) ** 2) * (1 + leaving) + 0.2 * leaving
        acct, day = self._weekly_counts(rate)
        inc = self.shocks["product_incident"][:, k]
        burst = rng.poisson(inc * (1.0 + 2.0 * size[:, None]))
        b_acct, b_week = np.nonzero(burst)
        reps = burst[b_acct, b_week]
        b_acct = np.repeat(b_acct, reps)
        b_day = np.repeat(b_week, reps) * 7 + rng.integers(0, 3, b_acct.size)
        keep = self._alive(b_acct, b_day)
        incident = np.concatenate([np.zeros(acct.size, bool), np.ones(int(keep.sum()), bool)])
        acct = np.concatenate([acct, b_acct[keep]])
        day = np.concatenate([day, b_day[keep]])
        m = acct.size
        ls = self._family_at("support", acct, day)
        bad = 1 - ls
        u = rng.random(m)
        p_urgent = np.where(incident, 0.4, 0.02 + 0.15 * bad)
        p_high = np.where(incident, 0.5, 0.08 + 0.35 * bad)
        prio = np.where(
            u < p_urgent, 0, np.where(u < p_urgent + p_high, 1, np.where(u < 0.85, 2, 3))
        )
        created = self._day_us(day) + rng.integers(0, 24 * _HOUR_US, m)
        first_med = np.array([0.5, 2.0, 6.0, 16.0])[prio] * (1 + 3.0 * bad)
        first = created + (rng.lognormal(np.log(first_med), 0.7) * _HOUR_US).astype(np.int64)
        # unhealthy accounts have tickets that stay open for weeks (hard problems, back and forth)
        solve_med = np.array([8.0, 24.0, 48.0, 96.0])[prio] * (0.3 + 6.0 * bad**2)
        solved = first + (rng.lognormal(np.log(solve_med), 0.9) * _HOUR_US).astype(np.int64)
        now = self._day_us(self.p.days)  # end of the window
        open_ = solved > now
        first = np.where(first > now, NULL, first)
        status = np.where(solved < now - 7 * _DAY_US, "closed", "solved").astype(object)
        status[open_] = np.where(
            first[open_] == NULL,
            "new",
            np.where(rng.random(int(open_.sum())) < 0.4, "pending", "open"),
        )
        solved = np.where(open_, NULL, solved)
        reopened = rng.poisson(0.03 + 0.8 * bad**2)
        answered = (rng.random(m) >= MESS["csat_missing_share"]) & ~open_
        csat = np.clip(np.round(2.0 + 3.4 * ls + rng.normal(0, 0.6, m)), 1, 5).astype(np.int64)
        subj = np.where(
            incident,
            np.array(_INCIDENT_SUBJECTS, dtype=object)[rng.integers(0, len(_INCIDENT_SUBJECTS), m)],
            np.array(_TICKET_SUBJECTS, dtype=object)[rng.integers(0, len(_TICKET_SUBJECTS), m)],
        )
        subj[rng.random(m) < 0.02] = None
        req = self._pick_contacts(acct, day, {"admin": 0.4, "champion": 0.2, "user": 0.4})
        req[rng.random(m) < 0.05] = -1
        updated = np.where(solved != NULL, solved, np.maximum(first, created))
        self._put(
            "support.tickets",
            {
                "_acct": acct,
                "ticket_id": self._new("ticket", m),
                "requester_id": np.where(req >= 0, self.contact["id"][np.clip(req, 0, None)], NULL),
                "priority": np.array(["urgent", "high", "normal", "low"], dtype=object)[prio],
                "status": status,
                "created_at": created,
                "first_response_at": first,
                "solved_at": solved,
                "reopened_count": reopened.astype(np.int64),
                "csat_score": np.where(answered, csat, NULL),
                "subject": subj,
            },
            np.minimum(updated, now),
            _stale_ticket,
        )

    def _billing(self) -> None:
        rng, p = self.rng, self.p
        # monthly invoices on the month anniversary of signature
        created_d = (p.start_day + self.created).astype("datetime64[D]")
        months0 = created_d.astype("datetime64[M]")
        dom = np.minimum((created_d - months0.astype("datetime64[D]")).astype(np.int64), 27)
        n_months = (p.days - int(self.created.min())) // 28 + 2
        month = months0[:, None] + np.arange(n_months)[None, :]
        issue = (month.astype("datetime64[D]") + dom[:, None]).astype(np.int64) - p.start_day
        acct = np.broadcast_to(np.arange(self.n)[:, None], issue.shape)
        sel = ~self.annual_billing[acct] & self._alive(acct, issue)
        m_acct, m_day = acct[sel], issue[sel]
        tl = self.timeline
        key_tl = tl[:, 0].astype(np.int64) * 10**7 + tl[:, 1].astype(np.int64) + 10**6
        order = np.argsort(key_tl, kind="stable")
        key_tl, mrr_tl = key_tl[order], tl[order, 2]
        pos = np.searchsorted(key_tl, m_acct * 10**7 + m_day + 10**6, side="right") - 1
        m_amount = mrr_tl[pos]
        # annual invoices at each contract start inside the window (and at signature)
        starts = [(i, d, a) for i, d, a in self.contract_starts if self.annual_billing[i]]
        for i in np.flatnonzero(self.annual_billing & (self.created >= 0)):
            mrr0 = self._mrr(int(i), int(self.plan0[i]), int(self.seats0[i]))
            starts.append((int(i), int(self.created[i]), 12 * mrr0))
        a_acct = np.array([s[0] for s in starts], dtype=np.int64)
        a_day = np.array([s[1] for s in starts], dtype=np.int64)
        a_amount = np.array([s[2] for s in starts], dtype=np.float64)
        ok = self._alive(a_acct, a_day)
        acct = np.concatenate([m_acct, a_acct[ok]])
        issued = np.concatenate([m_day, a_day[ok]])
        amount = np.round(np.concatenate([m_amount, a_amount[ok]]), 2)
        m = acct.size
        card = self.card[acct]
        lf = self._family_at("finance", acct, issued)
        bad = 1 - lf
        net = np.where(self.segment[acct] == 0, 45, 30)
        due = np.where(card, issued, issued + net)
        end = self.end
        # card: charged on the issue date and retried up to three times; an unhealthy account
        # fails more often, and its retries fail more often too
        pf = _sigmoid(-3.8 + 7.0 * bad)
        p_retry = _sigmoid(-2.5 + 6.0 * bad)
        attempts = [issued]
        fails = [card & (rng.random(m) < pf)]
        for lo, hi in ((3, 6), (3, 6), (5, 9)):
            attempts.append(attempts[-1] + rng.integers(lo, hi, m))
            fails.append(fails[-1] & (rng.random(m) < p_retry))
        card_paid = np.full(m, NULL, dtype=np.int64)
        for k in range(len(attempts) - 1, -1, -1):
            got = ~fails[k] & (fails[k - 1] if k else np.ones(m, bool))
            card_paid = np.where(got, attempts[k], card_paid)
        failed_out = fails[-1]
        # bank transfer: an unhealthy account pays more invoices late, and later (typically
        # 10-90 days after the due date)
        late = rng.random(m) < _sigmoid(-3.0 + 7.0 * bad)
        days_late = np.ceil(rng.gamma(2.0, (5 + 50 * bad) / 2)).astype(np.int64)
        on_time = issued + (rng.random(m) * (due - issued + 1)).astype(np.int64)
        bank_paid = np.where(late, due + days_late, on_time)
        never = rng.random(m) < 0.005 + 0.3 * bad**3
        # after the last failed charge: paid by transfer 10-60 days later (more likely when
        # healthy), else it goes to collections
        rescue = failed_out & (rng.random(m) < 0.2 + 0.6 * lf)
        paid = np.where(card, card_paid, bank_paid)
        paid = np.where(rescue, attempts[-1] + rng.integers(10, 61, m), paid)
        # collections: an unpaid invoice of an account that stays is paid 45-120 days after the
        # due date; in the months before a churn it stays unpaid
        unpaid = (never & ~card) | (failed_out & ~rescue)
        churn_soon = self.churn_day[acct] - due < 150
        paid = np.where(unpaid, np.where(churn_soon, NULL, due + rng.integers(45, 121, m)), paid)
        void = rng.random(m) < 0.004
        paid = np.where(void | (paid > end), NULL, paid)
        status = np.where(paid != NULL, "paid", "open").astype(object)
        status[void] = "void"
        churned = self.churn_day[acct] < _FAR
        uncollectible = (status == "open") & churned & (due < end - 60) & (rng.random(m) < 0.5)
        status[uncollectible] = "uncollectible"
        inv = self._new("invoice", m)
        base = np.where(paid != NULL, paid, np.where(void, issued + 2, issued))
        base = np.where(uncollectible, np.minimum(due + 90, end), base)
        cur = np.array(CURRENCIES, dtype=object)[self.currency[acct]]
        self._put(
            "billing.invoices",
            {
                "_acct": acct,
                "invoice_id": inv,
                "amount": amount,
                "currency": cur,
                "issued_date": issued,
                "due_date": due,
                "paid_date": paid,
                "status": status,
            },
            self._day_us(np.minimum(base, end)) + 5 * _HOUR_US,
            _stale_invoice,
        )

        # payments: every attempt
        live = ~void
        tries = [(card & live, attempts[0], fails[0])]
        for k in range(1, len(attempts)):
            tries.append((fails[k - 1] & live, attempts[k], fails[k]))
        tries.append((((~card) | failed_out) & live & (paid != NULL), paid, np.zeros(m, bool)))
        pa, pd_, pf_ = [], [], []
        for sel, when, failed in tries:
            sel = sel & (when <= end)
            idx = np.flatnonzero(sel)
            pa.append(idx)
            pd_.append(when[idx])
            pf_.append(failed[idx])
        idx = np.concatenate(pa)
        when = np.concatenate(pd_)
        failed = np.concatenate(pf_)
        at = self._day_us(when) + rng.integers(5 * _HOUR_US, 8 * _HOUR_US, idx.size)
        reason = np.where(
            failed,
            np.array(_FAILURE_REASONS, dtype=object)[
                rng.integers(0, len(_FAILURE_REASONS), idx.size)
            ],
            None,
        )
        self._put(
            "billing.payments",
            {
                "_acct": acct[idx],
                "payment_id": self._new("payment", idx.size),
                "invoice_id": inv[idx],
                "amount": amount[idx],
                "currency": cur[idx],
                "attempted_at": at,
                "status": np.where(failed, "failed", "succeeded").astype(object),
                "failure_reason": reason,
            },
            at,
            None,
        )

        # disputes and chargebacks on paid invoices
        p_disp = 0.002 + 0.25 * bad**3
        d_sel = np.flatnonzero((paid != NULL) & (rng.random(m) < p_disp))
        opened = paid[d_sel] + rng.integers(5, 41, d_sel.size)
        ok = opened <= end
        d_sel, opened = d_sel[ok], opened[ok]
        k = d_sel.size
        dtype_ = np.where(card[d_sel] & (rng.random(k) < 0.7), "chargeback", "dispute")
        recent = opened > end - 45
        dstatus = np.where(recent, "open", np.where(rng.random(k) < 0.4, "won", "lost"))
        resolved = np.where(recent, opened, np.minimum(opened + rng.integers(30, 61, k), end))
        opened_at = self._day_us(opened) + 10 * _HOUR_US
        self._put(
            "billing.disputes",
            {
                "_acct": acct[d_sel],
                "dispute_id": self._new("dispute", k),
                "invoice_id": inv[d_sel],
                "amount": amount[d_sel],
                "currency": cur[d_sel],
                "dispute_type": dtype_.astype(object),
                "opened_at": opened_at,
                "status": dstatus.astype(object),
            },
            self._day_us(resolved) + 10 * _HOUR_US,
            _stale_dispute,
        )

    def _events(self) -> None:
        rng, p = self.rng, self.p
        D = p.days
        # licensed seats per window week; the account provisions 85-100% of them as users, so
        # users come and go with seat cuts and expansions
        weeks = np.arange(p.window_weeks)
        seats_w = np.zeros((self.n, weeks.size))
        for (i, d), seats in sorted(self.seats_rows.items()):
            seats_w[i, max(d, 0) // 7 :] = seats
        fill = rng.uniform(0.85, 1.0, self.n)
        cap_w = np.maximum(1, np.round(seats_w * fill[:, None])).astype(np.int64)  # (n, W)
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
        lu_w = self.latent["usage"][:, weeks + _PRE_WEEKS]  # (n, W)
        share = np.clip(1.8 * lu_w - 0.55, 0.02, 1.0).astype(np.float32)
        jitter = rng.normal(0.0, 0.08, (U, weeks.size)).astype(np.float32)
        engaged = (threshold[:, None] + jitter) < share[u_acct]  # (U, W)
        engaged &= u_rank[:, None] < cap_w[u_acct]  # only provisioned users
        del jitter
        lu = lu_w[:, days // 7]  # (n, D)
        alive = (days[None, :] >= self.alive_from[:, None]) & (
            days[None, :] < self.alive_to[:, None]
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

    def _account_table(self) -> None:
        rng, n = self.rng, self.n
        seg = np.array(SEGMENTS, dtype=object)[self.segment]
        odd = rng.random(n) < MESS["segment_spelling_share"]
        for j in np.flatnonzero(odd):
            variants = SEGMENT_SPELLINGS[seg[j]]
            seg[j] = variants[rng.integers(0, len(variants))]
        industry = np.array(_INDUSTRIES, dtype=object)[rng.integers(0, len(_INDUSTRIES), n)]
        industry[rng.random(n) < 0.03] = None
        owner = np.array(_CSMS, dtype=object)[self.owner]
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
        self._put(
            "crm.accounts",
            {
                "_acct": acct,
                "account_name": np.array(self.names, dtype=object),
                "segment": seg,
                "industry": industry,
                "region": np.array(REGIONS, dtype=object)[self.region],
                "owner_csm": owner,
                "parent_account_id": parent,
                "created_date": self.created,
                "account_status": np.full(n, None, dtype=object),
                "churn_date": np.full(n, NULL, dtype=np.int64),
            },
            self._day_us(self.created) + 8 * _HOUR_US,
            _stale_account,
        )
        deleted = rng.random(n) < MESS["deleted_account_share"]
        t = self.tables["crm.accounts"]
        t["_is_deleted"] = t["_is_deleted"] | deleted[t["_acct"]]
        # truth per account: mean latents over the weeks the account was a customer
        weeks = np.arange(self.p.window_weeks)
        alive_w = (weeks[None, :] * 7 + 6 >= self.alive_from[:, None]) & (
            weeks[None, :] * 7 < self.alive_to[:, None]
        )
        n_alive = alive_w.sum(axis=1)

        def mean(x: np.ndarray) -> np.ndarray:
            total = np.where(alive_w, x[:, weeks + _PRE_WEEKS], 0.0).sum(axis=1)
            return np.where(n_alive > 0, total / np.maximum(n_alive, 1), np.nan)

        self.truth["accounts"] = {
            "account": self.first + acct + 1,
            "segment": np.array(SEGMENTS, dtype=object)[self.segment],
            "mean_health": mean(self.health),
            **{f"mean_{f}": mean(self.latent[f]) for f in FAMILIES},
            "churned": self.churn_day < _FAR,
            "churn_day": np.where(self.churn_day < _FAR, self.p.start_day + self.churn_day, NULL),
        }

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
        delay = rng.integers(2 * _MIN_US, 20 * _HOUR_US, n)
        late = rng.random(n) < MESS["late_share"]
        lo, hi = MESS["late_delay_days"]
        delay[late] += rng.integers(lo * _DAY_US, hi * _DAY_US, int(late.sum()))
        loaded = base_us + delay
        deleted = rng.random(n) < MESS["soft_delete_share"]
        dup = np.flatnonzero(rng.random(n) < MESS["duplicate_share"])
        copies = {c: v[dup] for c, v in cols.items()}
        copy_loaded = loaded[dup] + rng.integers(_HOUR_US, 10 * _DAY_US, dup.size)
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


def _transpose(rows: list[tuple[Any, ...]], width: int) -> list[tuple[Any, ...]]:
    """Rows to columns, also for no rows."""
    return list(zip(*rows, strict=True)) if rows else [()] * width


def _days_to_us(block: _Block, days: np.ndarray) -> np.ndarray:
    return np.where(days == NULL, NULL, block._day_us(np.where(days == NULL, 0, days)))


# Stale versions for duplicates with changed content: mutate the earlier copy (rows idx).
def _stale_account(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    t["owner_csm"][idx] = np.array(_CSMS, dtype=object)[rng.integers(0, len(_CSMS), idx.size)]


def _stale_contact(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    left = t["active_to"][idx] != NULL
    t["email"][idx[~left]] = None  # the email was added later
    t["active_to"][idx[left]] = NULL  # not yet marked as gone


def _stale_activity(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    t["occurred_at"][idx] -= rng.integers(1, 4, idx.size) * _DAY_US  # later rescheduled


def _stale_sentiment(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    t["note"][idx] = "(draft)"


def _stale_contract(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    t["status"][idx] = "active"


def _stale_opportunity(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    t["stage"][idx] = "open"


def _stale_subscription(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    cancelled = idx[t["status"][idx] == "cancelled"]
    t["status"][cancelled] = "active"
    t["cancelled_at"][cancelled] = NULL
    active = np.setdiff1d(idx, cancelled)
    t["seats"][active] = np.maximum(1, t["seats"][active] - 1)


def _stale_seats(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    t["licensed_seats"][idx] += 1


def _stale_ticket(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    t["status"][idx] = "open"
    t["solved_at"][idx] = NULL
    t["csat_score"][idx] = NULL


def _stale_invoice(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    t["status"][idx] = "open"
    t["paid_date"][idx] = NULL


def _stale_dispute(t: Table, idx: np.ndarray, rng: np.random.Generator) -> None:
    t["status"][idx] = "open"


# --------------------------------------------------------------------------- assembly


def _features_frame(p: _Params) -> pd.DataFrame:
    loaded = pd.Timestamp(p.start_date, tz="UTC") - pd.Timedelta(days=400)
    frame = pd.DataFrame(
        {
            "feature_key": [f[0] for f in FEATURES],
            "feature_name": [f[1] for f in FEATURES],
            "is_key_feature": [f[2] for f in FEATURES],
            "org_id": pd.Series([None] * len(FEATURES), dtype=object),
            "_loaded_at": pd.Series([loaded] * len(FEATURES)).astype("datetime64[us, UTC]"),
            "_is_deleted": False,
        }
    )
    return frame[contract.table("product", "features").column_names]


def _org_ids(p: _Params, account_numbers: np.ndarray) -> np.ndarray:
    """Tenant per account number: None for a single tenant, else org_1..org_n (hashed)."""
    if p.orgs <= 1:
        return np.full(account_numbers.size, None, dtype=object)
    org = (account_numbers * 2_654_435_761) % (2**32) % p.orgs
    names = np.array([f"org_{i + 1}" for i in range(p.orgs)], dtype=object)
    return names[org]


def _to_series(kind: str, values: np.ndarray, required: bool, tz: str = "UTC") -> Any:
    if kind == "timestamp":
        s = pd.Series(
            values.astype(np.int64, copy=False).view("datetime64[us]"), copy=False
        ).dt.tz_localize("UTC")
        return s.dt.tz_convert(tz) if tz != "UTC" else s
    if kind == "date":
        return pd.Series(values.astype(np.int64).view("datetime64[D]").astype(object), dtype=object)
    if kind == "integer":
        v = values.astype(np.int64, copy=False)
        if required:
            return pd.Series(v, copy=False)
        mask = v == NULL
        return pd.Series(pd.arrays.IntegerArray(np.where(mask, 0, v), mask), copy=False)
    if kind == "numeric":
        return pd.Series(values.astype(np.float64, copy=False), copy=False)
    if kind == "boolean":
        return pd.Series(values.astype(bool, copy=False), copy=False)
    return pd.Series(values, dtype=object, copy=False)


_DATE_COLUMNS = {c.name for t in contract.TABLES for c in t.columns if c.type == "date"}


def _shift(v: np.ndarray, offset: int) -> np.ndarray:
    """Add an offset to internal numbers (ids, days), keeping NULL as NULL."""
    out = v + offset
    null = v == NULL
    if null.any():
        out[null] = NULL
    return out


def _id_series(entity: str, numbers: np.ndarray) -> pd.Series:
    """Formatted ids for internal numbers (NULL -> None).

    When numbers repeat (account or user ids on events), each distinct number in the range is
    formatted once and rows share the string objects.
    """
    prefix, width = _ID_FORMAT[entity]
    nums = np.asarray(numbers, dtype=np.int64)
    if nums.size:
        null = nums == NULL
        has_null = bool(null.any())
        present = nums[~null] if has_null else nums
        if present.size:
            lo, hi = int(present.min()), int(present.max())
            if hi - lo + 1 < nums.size:
                names = np.append(format_ids(prefix, np.arange(lo, hi + 1), width), None)
                idx = np.where(null, hi - lo + 1, nums - lo) if has_null else nums - lo
                return pd.Series(names[idx], dtype=object, copy=False)
    return pd.Series(format_ids(prefix, nums, width), dtype=object, copy=False)


def _frame(columns: dict[str, pd.Series]) -> pd.DataFrame:
    """A frame from equally long series without copying them into consolidated blocks."""
    return pd.concat(list(columns.values()), axis=1, keys=list(columns))


def _assemble(p: _Params, blocks: list[_Block]) -> dict[str, pd.DataFrame]:
    """Concatenate the blocks of a chunk into contract frames."""
    out: dict[str, pd.DataFrame] = {}
    feature_keys = np.array([f[0] for f in FEATURES], dtype=object)
    for key in _TABLE_KEYS:
        if key == "product.features":
            continue
        t = contract.table(*key.split("."))
        cols: Table = {}
        for c in blocks[0].tables[key]:
            arrs = []
            for b in blocks:
                v = b.tables[key][c]
                if c == "_acct":
                    v = v + (b.first + 1)  # account numbers are 1-based
                elif c in _DATE_COLUMNS:
                    v = _shift(v, p.start_day)
                arrs.append(v)
            cols[c] = np.concatenate(arrs)
        accounts = cols.pop("_acct")
        data: dict[str, Any] = {}
        for col in t.all_columns:
            name = col.name
            if name == "account_id":
                data[name] = _id_series("account", accounts)
            elif name == "org_id":
                orgs = _org_ids(p, np.arange(p.accounts + 1))
                data[name] = pd.Series(orgs[accounts], dtype=object, copy=False)
            elif (key, name) in _ID_COLUMNS:
                data[name] = _id_series(_ID_COLUMNS[(key, name)], cols[name])
            elif name == "parent_account_id":
                data[name] = _id_series("account", cols[name])
            elif key == "product.events" and name == "feature_key":
                data[name] = pd.Series(feature_keys[cols[name]], dtype=object, copy=False)
            else:
                tz = MESS["crm_timezone"] if (key, name) in _CRM_TZ_COLUMNS else "UTC"
                data[name] = _to_series(col.type, cols[name], col.required, tz)
        out[key] = _frame(data)
    return out


def _truth_frames(p: _Params, blocks: list[_Block]) -> dict[str, pd.DataFrame]:
    """The hidden truth of a chunk: latents, planted churn probabilities and outcomes."""
    out = {}
    for name, day_col, date_col in (
        ("accounts", "churn_day", "churn_date"),
        ("renewals", "renewal_day", "renewal_date"),
    ):
        cols = {
            k: np.concatenate([b.truth[name][k] for b in blocks]) for k in blocks[0].truth[name]
        }
        data: dict[str, Any] = {"account_id": _id_series("account", cols.pop("account"))}
        for k, v in cols.items():
            data[date_col if k == day_col else k] = (
                _to_series("date", v, False)
                if k == day_col
                else pd.Series(v, dtype=v.dtype, copy=False)
            )
        out[f"truth.{name}"] = _frame(data)
    return out


def generate(
    accounts: int = 1000,
    days: int = 730,
    seed: int = 42,
    end_date: date = DEFAULT_END_DATE,
    chunk_size: int = 2000,
    progress: bool = False,
    orgs: int = 1,
    truth: bool = False,
) -> Iterator[dict[str, pd.DataFrame]]:
    """Yield the raw tables of a demo book of accounts, one dict per chunk of accounts.

    Keys are ``"source.table"`` (e.g. ``"product.events"``) and each frame has exactly the
    contract's columns, in order. ``product.features`` comes only in the first chunk. Chunks
    hold whole blocks of :data:`BLOCK_SIZE` accounts (``chunk_size`` is rounded up to a
    multiple); the data does not depend on ``chunk_size``.

    With ``orgs > 1`` accounts are spread over tenants ``org_1..org_n`` (``org_id``); with
    ``truth=True`` each chunk also carries ``truth.accounts`` and ``truth.renewals``: the hidden
    latents, planted churn probabilities and outcomes (not part of the raw contract).

    Text columns are object arrays of Python strings (None for nulls); in ``product.events`` the
    repeated ids share one string object per distinct value to keep memory bounded.
    """
    if accounts < 1 or days < 7:
        raise ValueError("need at least 1 account and 7 days")
    if orgs < 1:
        raise ValueError("orgs must be >= 1")
    p = _Params(accounts=accounts, days=days, seed=seed, end_date=end_date, orgs=orgs)
    per_chunk = max(1, -(-chunk_size // BLOCK_SIZE))
    n_blocks = -(-accounts // BLOCK_SIZE)
    starts = list(range(0, n_blocks, per_chunk))
    counters: dict[str, int] = {}
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(starts), unit="chunk", desc="generating accounts")
    try:
        for c_i, b0 in enumerate(starts):
            blocks = []
            for b in range(b0, min(b0 + per_chunk, n_blocks)):
                first = b * BLOCK_SIZE
                block = _Block(p, b, first, min(BLOCK_SIZE, accounts - first), counters)
                block.run()
                blocks.append(block)
            frames = _assemble(p, blocks)
            if c_i == 0:
                frames = {"product.features": _features_frame(p), **frames}
            if truth:
                frames.update(_truth_frames(p, blocks))
            yield frames
            del frames, blocks  # keep one chunk in memory, not two
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
