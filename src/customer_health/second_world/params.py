"""The second world's knobs: the book, the hidden dynamics, the churn model and the scales of
every observable signal. ``docs/second_world.md`` explains them.

Rates are per year unless a name says otherwise; the simulation steps one day at a time.
Segments are indexed in the order of :data:`SEGMENTS` in every per-segment tuple.
"""

from __future__ import annotations

from typing import Any

SEGMENTS: tuple[str, ...] = ("enterprise", "mid_market", "smb")
SEGMENT_SHARES: tuple[float, ...] = (0.20, 0.35, 0.45)
#: How the CRM spells each segment: the first spelling for most accounts, the others for a few
#: (staging normalises all of them).
CRM_SPELLINGS: dict[str, tuple[str, ...]] = {
    "enterprise": ("Enterprise", "Ent", "ENTERPRISE"),
    "mid_market": ("Mid-Market", "Mid Market", "MM"),
    "smb": ("SMB", "Small Business", "smb"),
}
OTHER_SPELLING_SHARE = 0.08

#: The book: the share of accounts that sign inside the window (the rest signed up to
#: ``history_years`` before it), and how long the hidden state runs before the window.
BOOK: dict[str, Any] = {
    "new_account_share": 0.12,
    "history_years": 4.0,
    "burn_in_days": 365,
    # a new account is not signed in the last days of the window
    "last_signature_gap_days": 30,
}

#: Contract term in months, per segment: {months: share}.
TERMS: tuple[dict[int, float], ...] = (
    {12: 0.60, 24: 0.30, 36: 0.10},
    {12: 0.80, 24: 0.20},
    {6: 0.40, 12: 0.60},
)

# ------------------------------------------------------------------ hidden dynamics

#: Product fit F: an Ornstein-Uhlenbeck process around the account's own mean (drawn once,
#: Normal(0, mean_sd)), slow to revert, with rare jumps both ways (a new use case, a failed
#: integration).
FIT: dict[str, float] = {
    "mean_sd": 0.8,
    "reversion_days": 200.0,
    "sd": 0.45,
    "jump_rate": 0.6,
    "jump_sd": 0.8,
}

#: Sponsor strength E: an OU process around the account's own mean, pulled down by ``drop``
#: while the account has no champion. The champion C is a two-state chain: a champion leaves
#: at ``leave_rate`` and a new one is found at ``replace_rate`` (per segment).
SPONSOR: dict[str, Any] = {
    "mean_sd": 0.6,
    "reversion_days": 40.0,
    "sd": 0.40,
    "drop": 1.2,
    "leave_rate": (0.40, 0.30, 0.20),
    "replace_rate": (2.5, 2.0, 1.5),
}

#: Budget pressure B: a three-state regime chain (calm, squeezed, distressed) with the level of
#: pressure per state. Transition rates per segment: calm -> squeezed, squeezed -> calm,
#: squeezed -> distressed, distressed -> squeezed, distressed -> calm.
BUDGET: dict[str, Any] = {
    "levels": (0.0, 1.0, 2.2),
    "calm_to_squeezed": (0.25, 0.45, 0.50),
    "squeezed_to_calm": (2.5, 2.5, 1.2),
    "squeezed_to_distressed": (0.40, 0.70, 0.90),
    "distressed_to_squeezed": (3.0, 3.0, 1.5),
    "distressed_to_calm": (0.5, 0.5, 0.5),
}

#: Support pain P: shot noise. Incidents arrive at ``incident_rate`` (per segment), each adds an
#: exponential amount (mean ``incident_size``), and the pain decays with ``half_life_days``.
PAIN: dict[str, Any] = {
    "incident_rate": (4.0, 2.0, 1.0),
    "incident_size": 1.0,
    "half_life_days": 20.0,
}

#: Usage momentum M: the account's use relative to its own long-run level (log scale), an OU
#: process around 0 that, during a slump (a two-state chain), heads for ``slump_depth`` below it.
#: Habit H follows M with a lag of ``habit_days`` (an exponential moving average): the usage
#: trend M - H is what churn reads.
MOMENTUM: dict[str, Any] = {
    "reversion_days": 30.0,
    "sd": 0.30,
    "slump_depth": 1.4,
    "slump_rate": (0.30, 0.60, 0.90),
    "recover_rate": 4.0,
    "habit_days": 90.0,
}

#: Churn at a renewal: logit(p) = intercept + the segment's weights times the hidden state on
#: the renewal date. Drivers: fit F, sponsor strength E, no_champion 1 - C, budget level B,
#: support pain P, usage_trend M - H. Zero weights are there to say so.
DRIVERS: tuple[str, ...] = ("fit", "sponsor", "no_champion", "budget", "pain", "usage_trend")
CHURN: dict[str, dict[str, float]] = {
    "enterprise": {
        "intercept": -2.4,
        "fit": -0.25,
        "sponsor": -1.3,
        "no_champion": 0.7,
        "budget": 0.0,
        "pain": 0.9,
        "usage_trend": 0.0,
    },
    "mid_market": {
        "intercept": -2.0,
        "fit": -1.3,
        "sponsor": -0.35,
        "no_champion": 0.0,
        "budget": 0.15,
        "pain": 0.0,
        "usage_trend": -1.3,
    },
    "smb": {
        "intercept": -2.75,
        "fit": -0.3,
        "sponsor": 0.0,
        "no_champion": 0.0,
        "budget": 1.4,
        "pain": 0.0,
        "usage_trend": -1.8,
    },
}

#: Days before the renewal at which the oracle's probabilities are given, and the Monte Carlo
#: paths per renewal and horizon.
HORIZONS: tuple[int, ...] = (90, 60, 30, 7)
ORACLE_PATHS = 256

# ------------------------------------------------------------------ commercial scales

#: Seats at signature, drawn log-uniformly, and the plan each segment buys.
SEATS_RANGE: tuple[tuple[int, int], ...] = ((60, 400), (12, 90), (2, 12))
PLANS: tuple[str, ...] = ("enterprise_suite", "growth", "team", "starter")
#: Plan of each segment at signature (SMB: team, else starter for ``starter_share``).
SEGMENT_PLAN: tuple[int, ...] = (0, 1, 2)
STARTER_SHARE = 0.35
#: List price per seat and month, in USD, per plan.
PLAN_PRICE_USD: tuple[float, ...] = (62.0, 38.0, 22.0, 14.0)
#: Currencies (all in seeds/fx_rates.csv), their share of accounts and units per USD.
CURRENCIES: tuple[str, ...] = ("USD", "EUR", "GBP", "CAD")
CURRENCY_SHARES: tuple[float, ...] = (0.55, 0.25, 0.12, 0.08)
FX: tuple[float, ...] = (1.0, 0.92, 0.79, 1.36)
REGIONS: tuple[str, ...] = ("na", "emea", "apac")

#: Seat changes: cuts when the budget turns distressed, new teams adopting (per year, at good fit
#: and momentum: the seat demand grows, see EXPANSION), and the renewal's own downgrade or
#: upgrade.
SEAT_CHANGES: dict[str, Any] = {
    "distress_cut_share": (0.25, 0.50, 0.60),
    "cut_fraction": (0.10, 0.35),
    "growth_rate": (1.2, 1.0, 0.6),
    "renewal_downgrade_share": {"squeezed": 0.35, "distressed": 0.70},
    "renewal_upgrade_fit": 0.7,
}

#: Expansion (docs/second_world.md, "Expansion"): seat demand counted in teams, a licence that is
#: enforced. Each account's demand (the people who want a seat) starts at a share of its seats
#: (``demand_start`` per segment). A team adopts the product at the 'growth' events above (fit
#: and momentum good) and adds ``team_share`` of the demand; a seat cut takes the demand down
#: with it. Users beyond the seats wait for one. At a weekly check, an account with a waitlist
#: raises a purchase request with logit ``request_logit + request_per_waitlist x waitlist /
#: seats``; procurement answers ``review_days`` later, approving with logit
#: ``approve_logit[budget regime] + approve_per_sponsor x sponsor strength`` (sponsor on the
#: day of the answer). An approved request buys seats for the demand times ``buffer``; after
#: any answer the account waits ``retry_days`` before it asks again.
EXPANSION: dict[str, Any] = {
    "demand_start": ((0.7, 1.0), (0.75, 1.0), (0.8, 1.05)),
    "team_share": (0.10, 0.40),
    "request_logit": -2.0,
    "request_per_waitlist": 8.0,
    "review_days": (20, 60),
    "approve_logit": (1.2, -0.5, -2.5),
    "approve_per_sponsor": 0.8,
    "buffer": (1.0, 1.2),
    "retry_days": 90,
}

#: Invoicing per segment: share invoiced annually, quarterly (the rest monthly), and the
#: payment terms in days (SMB pays by card on the day).
INVOICING: dict[str, Any] = {
    "annual_share": (0.80, 0.35, 0.0),
    "quarterly_share": (0.20, 0.45, 0.0),
    "net_days": ((45, 60), (30, 30), (0, 0)),
    "card_share": (0.0, 0.25, 1.0),
}
#: Card payments: failure chance per attempt by budget regime, retries (days after the last
#: attempt), and the chance an invoice that ran out of retries is written off (uncollectible)
#: rather than paid late by hand.
CARD: dict[str, Any] = {
    "failure": (0.02, 0.30, 0.60),
    "retry_days": (3, 5, 7),
    "write_off": (0.0, 0.1, 0.4),
    "manual_delay_days": (5, 40),
    "reasons": ("card_declined", "insufficient_funds", "expired_card", "processing_error"),
}
#: Bank transfers: days paid after the due date, by budget regime (mean, sd of a normal draw,
#: plus an exponential with the given mean).
TRANSFER: dict[str, Any] = {
    "late_mean": (-4.0, 6.0, 25.0),
    "late_sd": 4.0,
    "late_tail": (2.0, 12.0, 40.0),
    "failure": 0.02,
}
#: Disputes per invoice: a base chance plus one per unit of budget pressure; SMB disputes are
#: chargebacks.
DISPUTES: dict[str, float] = {"base": 0.003, "per_budget": 0.02}

# ------------------------------------------------------------------ product

#: Features: key, display name, key feature, base weight of an event on it, and the product fit
#: above which an account has set it up (key features only; others are always available).
FEATURES: tuple[tuple[str, str, bool, float, float], ...] = (
    ("home", "Home", False, 3.0, -9.0),
    ("pipelines", "Pipelines", True, 2.0, -1.0),
    ("dashboards_v2", "Dashboards", True, 2.0, -0.4),
    ("forecasting", "Forecasting", True, 1.0, 0.3),
    ("alert_rules", "Alert rules", True, 0.8, 0.9),
    ("search", "Search", False, 1.5, -9.0),
    ("csv_export", "CSV export", False, 0.6, -9.0),
    ("comments", "Comments", False, 0.8, -9.0),
    ("share_link", "Share link", False, 0.4, -9.0),
    ("settings", "Settings", False, 0.2, -9.0),
)
#: Usage scales per segment: the mean chance an engaged user is active on a weekday, extra
#: events per active user-day (Poisson mean on top of one), and the breadth baseline (logit of
#: the engaged share of users). How many users there are is the seat demand's (EXPANSION).
USAGE: dict[str, Any] = {
    "weekday_active": (0.10, 0.30, 0.50),
    "extra_events": (0.4, 1.0, 6.0),
    "breadth_logit": (-0.4, 0.3, 1.2),
    # heterogeneous baselines: log-normal sd of the account's activity level and event depth
    "baseline_sd": 0.7,
    "depth_sd": 0.5,
    "weekend_factor": 0.15,
    "onboarding_days": 45,
}

# ------------------------------------------------------------------ support and relationship

#: Tickets per month per segment at zero pain, and how much pain raises the rate and the share
#: of urgent and high tickets. Reopens are pure noise.
SUPPORT: dict[str, Any] = {
    "tickets_per_month": (1.6, 0.5, 0.08),
    "pain_rate": 0.9,
    "severe_logit": -1.6,
    "severe_per_pain": 1.1,
    "resolution_hours": {"urgent": 6.0, "high": 20.0, "normal": 60.0, "low": 110.0},
    "pain_slowdown": 0.5,
    "csat_answer_share": 0.35,
    "reopen_mean": 0.25,
}

#: CRM activities per month per segment (meetings, calls, emails), and meeting show rates: each
#: account's chance a meeting is held is drawn once (Beta), independent of everything else.
ACTIVITY: dict[str, Any] = {
    "meetings_per_month": (2.5, 1.0, 0.15),
    "calls_per_month": (1.5, 1.2, 0.4),
    "emails_per_month": (6.0, 3.0, 1.0),
    "show_beta": (8.0, 2.0),
    "cancelled_share": 0.6,
    "sponsor_logit": -0.4,
    "sponsor_per_strength": 1.4,
}
#: CSM sentiment: days between entries per segment (SMB accounts only with ``smb_covered``),
#: the share given as red/amber/green instead of a score, and how much noise the CSM adds.
SENTIMENT: dict[str, Any] = {
    "cadence_days": (21, 42, 75),
    "smb_covered": 0.3,
    "rag_share": 0.15,
    "noise_sd": 0.7,
}
