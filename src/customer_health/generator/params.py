"""The generator's knobs: the book's shape, the hidden health model, the planted churn
drivers and the shares of messy connector data. ``docs/demo_data.md`` quotes these numbers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

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
#: Expansion (docs/demo_data.md, "Expansion"): what makes an account buy more. Each account has
#: a seat demand, the people who want to use the product, starting at a share of its seats. It
#: drifts at its own yearly rate (log scale: Normal(growth_mean, growth_sd), plus weekly noise)
#: and moves in steps as teams come and go: a new team adopts the product at team_rate[segment]
#: a year times 2 x usage latent squared, a team drops it at team_rate times 2 x (1 - usage
#: latent) squared, each step team_size of the demand (log scale), and a successful rollout
#: brings a team too (besides its own expansion opportunity, SHOCKS). A healthy account grows, a
#: failing one shrinks. Users are provisioned for the demand, at most the seats times the
#: account's tolerated overage. Every check_days the
#: account may open an expansion deal: logit(p) = intercept + pressure_slope x (demand / seats -
#: 1) + momentum_slope x (log growth of the demand over the last 12 weeks) + health_slope x
#: (mean of the usage and relationship latents - health_reference); the deal closes close_days
#: later, won with logit = win_intercept + win_slope x (finance latent - 0.5), and buys seats
#: for the demand times headroom (plans change at rollouts and renewals, not here). No new deal
#: for quiet_days after a purchase. A seat cut takes the demand down with the seats. What an
#: account manager can see follows: seat utilisation (the pressure), new users and usage growth
#: (the teams), sponsor and support health; the decision carries its own noise, and seats also
#: drift up and down a little without any deal (commercial.py). Its draws come from a stream of
#: their own: the churn decisions are those of the book without it.
EXPANSION: dict[str, Any] = {
    "demand_start": (0.85, 1.0),
    "growth_mean": 0.0,
    "growth_sd": 0.03,
    "weekly_sd": 0.02,
    "team_rate": {"enterprise": 1.2, "mid_market": 0.8, "smb": 0.4},
    "team_size": (0.10, 0.35),
    "overage": (1.0, 1.25),
    "check_days": 28,
    "intercept": -4.0,
    "pressure_slope": 8.0,
    "momentum_slope": 4.0,
    "health_slope": 3.0,
    "health_reference": 0.6,
    "close_days": (14, 45),
    "win_intercept": 1.0,
    "win_slope": 3.0,
    "headroom": (1.05, 1.3),
    "quiet_days": 90,
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

#: Account lifecycles (see "Lifecycles" in docs/demo_data.md): several subscriptions per
#: account, partial cancellations (contractions), win-backs (reactivations) and the CRM's own
#: churn flag on crm.accounts.
LIFECYCLE: dict[str, Any] = {
    # accounts that hold extra subscriptions beside their base plan, per segment
    "multi_subscription_share": {"enterprise": 0.40, "mid_market": 0.20, "smb": 0.05},
    # of those, the share with two extras (three subscriptions) rather than one
    "three_subscriptions_share": 0.35,
    # an extra subscription is regional (the base plan, for another entity or region) or an
    # add-on (its own plan); either way it holds a slice of the account's seats at signature,
    # so the subscriptions' seats add up to the licensed seats
    "regional_share": 0.4,
    "extra_seat_share": (0.15, 0.35),
    # add-on plans: list price per seat and month in USD
    "add_on_price_usd": {"analytics_add_on": 25, "automation_add_on": 30, "premium_support": 15},
    # partial cancellation: yearly rate at which an extra subscription is cancelled while the
    # base plan goes on, at the worst finance/usage latent (scaled by (1 - L)^3, L the mean of
    # the two latents: steep, so that a contraction says something about the account)
    "contraction_rate": 3.0,
    # churned accounts that come back (a new subscription and contract), and when
    "reactivation_share": 0.25,
    "reactivation_delay_days": (61, 274),
    # a win-back is a fresh start: the overall health jumps by this much (logit scale) at the
    # return, and the jump fades by this factor a week (half-life about 23 weeks)
    "winback_boost": 2.0,
    "winback_persistence": 0.97,
    # seats at the return, as a share of the licensed seats at the churn
    "reactivation_seat_share": (0.5, 1.0),
    # crm.accounts: accounts whose CRM row carries account_status ('active' or 'churned');
    # the others leave account_status and churn_date empty
    "status_kept_share": 0.6,
    # of their churns, the share the CRM flags: a new version of the account row with
    # account_status 'churned' and churn_date (the rest stay 'active': the CRM was not updated)
    "churn_flag_share": 0.85,
    # flagged churns whose churn_date is a few days off the churn (1-7 days, either way)
    "churn_flag_offset_share": 0.25,
    "churn_flag_offset_days": 7,
    # a flagged account that comes back is set 'active' again (churn_date empty), this many
    # days after its return
    "reactivation_flag_lag_days": (0, 14),
    # of the accounts whose CRM keeps a status and that are paying at the end, the share the
    # CRM marks churned anyway (often on the day an add-on was cancelled): the flag contradicts
    # billing
    "flag_conflict_share": 0.04,
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
