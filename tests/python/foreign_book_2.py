# ruff: noqa: E501  (a hand-written data table: one account per line reads better unwrapped)
"""A second foreign book, hand-written: accounts with lifecycles, and a billing export without money.

Twenty-four accounts of one company over six months (2026-01-01 to 2026-06-30), written out by
hand below, with what the first foreign book lacks:

* several subscriptions per account, some cancelled while others run (contractions); accounts
  whose subscriptions all end (churn); accounts that come back later with a new subscription
  (reactivations), one of which churns again;
* a billing export with subscriptions but **no invoices, payments, disputes or plan changes**
  (those tables have zero rows): finance is unknown, not good news;
* product events **without user ids** (all of B23's, every other one of B04's);
* sources that disagree: a CRM churn flag (account_status, churn_date) while a subscription is
  still active, usage long after a churn, a lost renewal while billing runs on, a CRM status
  'customer' on an account that no longer pays;
* a soft-deleted account, and a pilot whose product activity starts before its created_date;
* a CRM-only account (no subscription, no contract) and contract-only accounts.

The daily rows (events, tickets, meetings, sentiment) follow simple written rules from each
account's health and the periods it was active, so that usage, support and relationship scores
exist. Below the data, :data:`AS_OF_DATE` ... :data:`CONFLICTS` are the lifecycle worked out by
hand from the rules (``docs/lifecycle.md``; grace 30 days), one comment per account.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pandas as pd

START = date(2026, 1, 1)
END = date(2026, 6, 30)  # the export's last day; events of live accounts reach it
D = date.fromisoformat

# id, name, segment, created_date, health, account_status, churn_date, soft-deleted,
# active periods (events, tickets, meetings and sentiment happen inside them)
ACCOUNTS: list[tuple] = [
    ("B01", "Harbour Freight Ltd", "Enterprise", "2025-03-01", "healthy", "Active", None, False, [(START, END)]),
    ("B02", "Kestrel Health", "mid-market", "2025-06-01", "healthy", None, None, False, [(START, END)]),
    ("B03", "Linden Retail", "Mid Market", "2025-01-15", "healthy", None, None, False, [(START, END)]),
    ("B04", "Marlow Print Co", "SMB", "2024-11-01", "at_risk", None, None, False, [(START, END)]),
    ("B05", "Northgate Legal", "smb", "2025-04-01", "at_risk", None, None, False, [(START, D("2026-03-30"))]),
    ("B06", "Osprey Media", "smb", "2025-02-01", "critical", None, None, False, [(START, D("2026-03-09"))]),
    ("B07", "Pinecrest Schools", "mid_market", "2025-03-01", "healthy", None, None, False,
     [(START, D("2026-01-30")), (D("2026-04-15"), END)]),
    ("B08", "Quarry Lane Foods", "smb", "2025-01-10", "at_risk", None, None, False,
     [(START, D("2026-01-19")), (D("2026-03-01"), D("2026-05-30"))]),
    ("B09", "Redwood Clinics", "Mid-Market", "2025-05-01", "healthy", None, None, False, [(START, END)]),
    ("B10", "Saltmarsh Energy", "enterprise", "2025-06-01", "at_risk", "Churned", "2026-04-30", False,
     [(START, D("2026-05-15"))]),
    # B11's usage goes on after it stopped paying: its CRM and support activity stop on 2026-03-01
    ("B11", "Tidewater Labs", "smb", "2025-03-01", "critical", None, None, False, [(START, D("2026-03-01"))]),
    ("B12", "Upland Insurance", "Enterprise", "2025-05-15", "critical", None, None, False,
     [(START, D("2026-05-13"))]),
    ("B13", "Vale Robotics", "mid market", "2025-04-01", "at_risk", None, None, False, [(START, D("2026-04-20"))]),
    ("B14", "Westbrook Dental", "SMB", "2025-02-01", "at_risk", "Customer", None, False, [(START, D("2026-04-09"))]),
    ("B15", "Closed Yardarm Ltd", "smb", "2025-01-01", "healthy", None, None, True, [(START, D("2026-03-31"))]),
    ("B16", "Zephyr Analytics", "smb", "2026-02-01", "healthy", None, None, False, [(D("2026-01-05"), END)]),
    ("B17", "Alder Consulting", "smb", "2025-09-01", "healthy", None, None, False, [(START, END)]),
    ("B18", "Birchwood Logistics", "enterprise", "2025-07-01", "healthy", None, None, False, [(START, END)]),
    ("B19", "Cobalt Mining", "Enterprise", "2025-04-01", "at_risk", None, None, False, [(START, END)]),
    ("B20", "Driftwood Hotels", "mid_market", "2025-01-01", "healthy", "former_customer", "2026-01-15", False,
     [(START, D("2026-01-14")), (D("2026-05-01"), END)]),
    ("B21", "Elmstead Council", "mid_market", "2025-08-01", "at_risk", None, None, False, [(START, END)]),
    ("B22", "Fernhill Bakery", "smb", "2025-10-01", "critical", None, None, False, [(START, END)]),
    ("B23", "Granite Payroll", "mid_market", "2025-01-20", "healthy", None, None, False, [(START, END)]),
    ("B24", "Heron Architects", "smb", "2025-11-15", "healthy", None, None, False, [(START, END)]),
]  # fmt: skip

#: Events after the paying periods above: B11 keeps using the product after its churn.
EXTRA_EVENTS = {"B11": (D("2026-03-02"), D("2026-06-20"))}

# subscription_id, account_id, plan, mrr (USD), started, cancelled (None while active)
SUBSCRIPTIONS: list[tuple] = [
    ("SUB-B01", "B01", "business", 1000, "2025-03-01", None),
    ("SUB-B02-CORE", "B02", "business", 1500, "2025-06-01", None),
    ("SUB-B02-ADDON", "B02", "analytics add-on", 300, "2026-02-01", None),
    ("SUB-B03-CORE", "B03", "business", 2000, "2025-01-15", None),
    ("SUB-B03-ADDON", "B03", "analytics add-on", 500, "2025-09-01", "2026-03-15"),
    ("SUB-B04-CORE", "B04", "starter", 1200, "2024-11-01", None),
    ("SUB-B04-A", "B04", "extra seats", 300, "2025-05-01", "2026-02-10"),
    ("SUB-B04-B", "B04", "sms add-on", 200, "2025-07-01", "2026-05-20"),
    ("SUB-B05", "B05", "starter", 600, "2025-04-01", "2026-03-31"),
    ("SUB-B06-1", "B06", "starter", 700, "2025-02-01", "2026-02-28"),
    ("SUB-B06-2", "B06", "sms add-on", 400, "2025-08-01", "2026-03-10"),
    ("SUB-B07-1", "B07", "business", 800, "2025-03-01", "2026-01-31"),
    ("SUB-B07-2", "B07", "business", 850, "2026-04-15", None),
    ("SUB-B08-1", "B08", "starter", 500, "2025-01-10", "2026-01-20"),
    ("SUB-B08-2", "B08", "starter", 450, "2026-03-01", "2026-05-31"),
    ("SUB-B09-1", "B09", "business", 800, "2025-05-01", "2026-02-01"),
    ("SUB-B09-2", "B09", "business plus", 900, "2026-02-20", None),
    ("SUB-B10", "B10", "enterprise", 1100, "2025-06-01", None),
    ("SUB-B11", "B11", "starter", 400, "2025-03-01", "2026-03-01"),
    ("SUB-B12", "B12", "enterprise", 1000, "2025-05-15", "2026-05-15"),
    ("SUB-B13", "B13", "business", 900, "2025-04-01", "2026-06-15"),
    ("SUB-B14", "B14", "starter", 650, "2025-02-01", "2026-04-10"),
    ("SUB-B15", "B15", "starter", 700, "2025-01-01", None),
    ("SUB-B16", "B16", "starter", 500, "2026-02-01", None),
    ("SUB-B20-1", "B20", "business", 750, "2025-01-01", "2026-01-15"),
    ("SUB-B20-2", "B20", "business", 800, "2026-05-01", None),
    ("SUB-B21", "B21", "business", 1300, "2025-08-01", None),
    ("SUB-B22", "B22", "starter", 400, "2025-10-01", None),
    ("SUB-B23", "B23", "business", 1000, "2025-01-20", None),
    ("SUB-B24", "B24", "business plus", 2500, "2025-11-15", None),
]

# contract_id, account_id, start, end, renewal, arr (USD), status
CONTRACTS: list[tuple] = [
    ("K-B12", "B12", "2025-05-15", "2026-05-14", "2026-05-15", 12000, "churned"),
    ("K-B18", "B18", "2025-07-01", "2026-06-30", "2026-07-01", 24000, "active"),
    ("K-B19-A", "B19", "2025-04-01", "2026-03-31", "2026-04-01", 18000, "churned"),
    ("K-B19-B", "B19", "2025-04-01", "2027-03-31", "2027-04-01", 30000, "active"),
]

# opportunity_id, account_id, type, stage, close_date, amount, previous_amount
OPPORTUNITIES: list[tuple] = [
    ("O-B01", "B01", "Renewal", "Closed Won", "2026-03-01", 12000, 12000),
    ("O-B12", "B12", "renewal", "closed_lost", "2026-05-14", 12000, 12000),
    ("O-B13", "B13", "Renewal", "Closed-Lost", "2026-03-31", 10800, 10800),
    ("O-B21", "B21", "renewal", "closed_won", "2026-04-01", 14000, 15600),
    ("O-B24", "B24", "expansion", "open", "2026-08-01", 6000, None),
]

FEATURES = [  # key, name, key feature
    ("reports", "Reports", True),
    ("dashboards", "Dashboards", True),
    ("api", "API", True),
    ("alerts", "Alerts", False),
    ("exports", "Exports", False),
]

#: Tables the export holds no rows for.
EMPTY_TABLES = ("billing.invoices", "billing.payments", "billing.disputes", "billing.plan_changes")


# ===================================================================== worked out by hand
# Rules (docs/lifecycle.md), grace = 30 days. Coverage [start, end): a subscription from
# date(started_at) to date(cancelled_at); a contract from start_date to end_date + 1 day. An
# explicit churn (churn_date; a renewal closed lost) cuts every interval that started before it;
# billing that would have run > 30 days longer is `billing_active_after_churn`. Intervals
# starting <= 30 days after the latest end so far join one episode; later, a new episode.

#: The latest activity date (events of the live accounts on 2026-06-30).
AS_OF_DATE = date(2026, 6, 30)

#: (account, episode_number) -> (start, end or None while open, end_reason)
EPISODES: dict[tuple[str, int], tuple[date, date | None, str | None]] = {
    # B01: one subscription since 2025-03-01, open. Its CRM status 'Active' agrees.
    ("B01", 1): (D("2025-03-01"), None, None),
    # B02: core 2025-06-01 and add-on 2026-02-01, both open: one episode from the earliest.
    ("B02", 1): (D("2025-06-01"), None, None),
    # B03: core 2025-01-15 open; add-on 2025-09-01 .. 2026-03-15 ends inside the open episode.
    ("B03", 1): (D("2025-01-15"), None, None),
    # B04: core 2024-11-01 open; two add-ons end on 2026-02-10 and 2026-05-20 (contractions).
    ("B04", 1): (D("2024-11-01"), None, None),
    # B05: its only subscription 2025-04-01 .. 2026-03-31: coverage ended.
    ("B05", 1): (D("2025-04-01"), D("2026-03-31"), "coverage_ended"),
    # B06: 2025-02-01 .. 2026-02-28 and 2025-08-01 .. 2026-03-10 overlap: one episode ending on
    # the later end, 2026-03-10; nothing is left active.
    ("B06", 1): (D("2025-02-01"), D("2026-03-10"), "coverage_ended"),
    # B07: 2025-03-01 .. 2026-01-31, then a new subscription 2026-04-15 = 74 days later (> 30):
    # a second episode, open (a reactivation).
    ("B07", 1): (D("2025-03-01"), D("2026-01-31"), "coverage_ended"),
    ("B07", 2): (D("2026-04-15"), None, None),
    # B08: 2025-01-10 .. 2026-01-20, back on 2026-03-01 (40 days > 30: reactivation), and gone
    # again on 2026-05-31.
    ("B08", 1): (D("2025-01-10"), D("2026-01-20"), "coverage_ended"),
    ("B08", 2): (D("2026-03-01"), D("2026-05-31"), "coverage_ended"),
    # B09: 2025-05-01 .. 2026-02-01, the next plan from 2026-02-20 = 19 days later (<= 30): the
    # same episode, open. (The first plan's end is a contraction.)
    ("B09", 1): (D("2025-05-01"), None, None),
    # B10: subscription 2025-06-01, still active; the CRM says churned on 2026-04-30
    # (churn_date): the open interval is cut there, explicit churn.
    ("B10", 1): (D("2025-06-01"), D("2026-04-30"), "explicit_churn"),
    # B11: 2025-03-01 .. 2026-03-01: coverage ended (its later usage is a conflict).
    ("B11", 1): (D("2025-03-01"), D("2026-03-01"), "coverage_ended"),
    # B12: renewal lost on 2026-05-14; subscription and contract would end 2026-05-15 (1 day
    # later, within grace): cut at 2026-05-14, explicit churn, no conflict.
    ("B12", 1): (D("2025-05-15"), D("2026-05-14"), "explicit_churn"),
    # B13: renewal lost on 2026-03-31, subscription cancelled only on 2026-06-15: cut at
    # 2026-03-31, explicit churn.
    ("B13", 1): (D("2025-04-01"), D("2026-03-31"), "explicit_churn"),
    # B14: 2025-02-01 .. 2026-04-10: coverage ended (its CRM still says 'Customer').
    ("B14", 1): (D("2025-02-01"), D("2026-04-10"), "coverage_ended"),
    # B15: soft-deleted: no episode.
    # B16: the pilot: events from 2026-01-05, but coverage (and created_date) from 2026-02-01.
    ("B16", 1): (D("2026-02-01"), None, None),
    # B17: no subscription, no contract: one episode from created_date, no churn record.
    ("B17", 1): (D("2025-09-01"), None, None),
    # B18: contract 2025-07-01 .. 2026-06-30: its end 2026-07-01 is after as_of: open.
    ("B18", 1): (D("2025-07-01"), None, None),
    # B19: contracts A (2025-04-01 .. 2026-03-31, churned) and B (.. 2027-03-31, active): one
    # open episode; A's end on 2026-04-01 is a contraction.
    ("B19", 1): (D("2025-04-01"), None, None),
    # B20: churn_date 2026-01-15 = the first subscription's cancellation: explicit churn. A new
    # subscription 2026-05-01 (106 days later; no churn record after it): episode 2, open.
    ("B20", 1): (D("2025-01-01"), D("2026-01-15"), "explicit_churn"),
    ("B20", 2): (D("2026-05-01"), None, None),
    # B21 .. B24: one open subscription each.
    ("B21", 1): (D("2025-08-01"), None, None),
    ("B22", 1): (D("2025-10-01"), None, None),
    ("B23", 1): (D("2025-01-20"), None, None),
    ("B24", 1): (D("2025-11-15"), None, None),
}

#: Live on 2026-06-30: an episode covers it (start <= as_of < end, or open). 15 accounts.
LIVE_ACCOUNTS = frozenset(
    a for (a, _), (start, end, _) in EPISODES.items() if start <= AS_OF_DATE and end is None
)
DELETED_ACCOUNTS = frozenset({"B15"})
#: Not live and not deleted: B05 B06 B08 B10 B11 B12 B13 B14.
CHURNED_ACCOUNTS = frozenset(a[0] for a in ACCOUNTS) - LIVE_ACCOUNTS - DELETED_ACCOUNTS

#: Episodes 2..n: (account, date, episode_number).
REACTIVATIONS = {
    ("B07", D("2026-04-15"), 2),
    ("B08", D("2026-03-01"), 2),
    ("B20", D("2026-05-01"), 2),
}

#: A subscription or churned contract that ends while its episode goes on:
#: (account, date, ARR lost in USD = mrr x 12, or the contract's ARR).
CONTRACTIONS = {
    ("B03", D("2026-03-15"), 6000.0),  # add-on 500 x 12
    ("B04", D("2026-02-10"), 3600.0),  # extra seats 300 x 12
    ("B04", D("2026-05-20"), 2400.0),  # sms add-on 200 x 12
    ("B06", D("2026-02-28"), 8400.0),  # starter 700 x 12; the episode runs to 2026-03-10
    # not B09: its business plan ended 2026-02-01 with no other subscription running; the next
    # plan, 19 days later, replaced it (900 > 800): a plan switch, not a contraction
    ("B19", D("2026-04-01"), 18000.0),  # contract A, churned, ends the day after 2026-03-31
}

#: One per ended episode: (account, date, ARR lost = the coverage active the day before).
CHURNS = {
    ("B05", D("2026-03-31"), 7200.0),  # 600 x 12
    ("B06", D("2026-03-10"), 4800.0),  # only SUB-B06-2 (400) is left the day before
    ("B07", D("2026-01-31"), 9600.0),  # 800 x 12
    ("B08", D("2026-01-20"), 6000.0),  # 500 x 12
    ("B08", D("2026-05-31"), 5400.0),  # 450 x 12
    ("B10", D("2026-04-30"), 13200.0),  # 1100 x 12
    ("B11", D("2026-03-01"), 4800.0),  # 400 x 12
    ("B12", D("2026-05-14"), 12000.0),  # subscription 1000 x 12 (before the contract's ARR)
    ("B13", D("2026-03-31"), 10800.0),  # 900 x 12
    ("B14", D("2026-04-10"), 7800.0),  # 650 x 12
    ("B20", D("2026-01-15"), 9000.0),  # 750 x 12
}

#: Renewal opportunities won: B01 renewed; B21 renewed below its previous amount.
RENEWALS = {("B01", D("2026-03-01"), "renewed"), ("B21", D("2026-04-01"), "downgraded")}

#: (account, conflict_type)
CONFLICTS = {
    # B10: churn_date 2026-04-30 while SUB-B10 is still active (open: runs past the grace)
    ("B10", "billing_active_after_churn"),
    # B10: account_status churned while SUB-B10 is active today
    ("B10", "status_disagrees_with_billing"),
    # B11: events until 2026-06-20, more than 30 days after its episode ended on 2026-03-01
    ("B11", "usage_after_churn"),
    # B13: renewal lost 2026-03-31, subscription ran to 2026-06-15: 76 days > 30
    ("B13", "billing_active_after_churn"),
    # B14: account_status 'Customer' (active) but not live on 2026-06-30
    ("B14", "status_disagrees_with_billing"),
    # B20: account_status former_customer (churned) while SUB-B20-2 is active today
    ("B20", "status_disagrees_with_billing"),
}
# Not conflicts: B10's events stop 2026-05-15 and B13's 2026-04-20, within 30 days of their
# churn; B12's billing ended 1 day after its lost renewal; B07, B08 and B20 are silent between
# their episodes.

#: Finance has no source rows at all (invoices, payments, disputes and plan changes are empty):
#: every live account's finance_score is null and its data_completeness below 1.
FAMILY_COVERAGE = {"usage": 1.0, "support": 1.0, "relationship": 1.0, "finance": 0.0}


# ===================================================================== the export
HEALTH = {
    # events per active day (k-th event of the day), feature variety, distinct users,
    # days between tickets, hours to solve, CSAT, days between meetings, sentiment
    "healthy": dict(events=6, features=5, users=6, tickets=30, solve=8, csat=5, meet=14, sentiment=5),
    "at_risk": dict(events=3, features=3, users=3, tickets=15, solve=60, csat=3, meet=30, sentiment=3),
    "critical": dict(events=1, features=2, users=1, tickets=8, solve=90, csat=2, meet=45, sentiment=1),
}  # fmt: skip


def _at(day: date, hour: float) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC) + timedelta(hours=hour)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _midnight(day: str | date) -> str:
    return _iso(_at(D(day) if isinstance(day, str) else day, 0))


def _days(periods: list[tuple[date, date]]) -> list[date]:
    out = []
    for first, last in periods:
        out += [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return out


def _user(acct: str, k: int, users: int) -> str | None:
    if acct == "B23" or (acct == "B04" and k % 2):
        return None  # the product's export has no user for these events
    return f"U-{acct}-{k % users}"


def frames() -> dict[str, pd.DataFrame]:
    """The export, as one frame per raw table (loose types; the loader conforms them)."""
    rows: dict[str, list[dict]] = {key: [] for key in _TABLES}
    loaded = _iso(_at(END, 23))  # the nightly load of slowly changing tables
    for acct, name, segment, created, health, status, churn, deleted, periods in ACCOUNTS:
        h = HEALTH[health]
        rows["crm.accounts"].append(
            dict(
                account_id=acct,
                account_name=name,
                segment=segment,
                industry="Services",
                region="UK",
                owner_csm="Priya Natarajan" if acct < "B13" else "Tom Hale",
                created_date=created,
                account_status=status,
                churn_date=churn,
                _is_deleted=deleted,
                _loaded_at=_iso(_at(D("2026-05-01"), 6)) if deleted else loaded,
            )
        )
        for suffix, role in (("C", "champion"), ("S", "sponsor"), ("U", "user")):
            left = health == "critical" and role == "champion"
            rows["crm.contacts"].append(
                dict(
                    contact_id=f"{acct}-{suffix}",
                    account_id=acct,
                    role=role,
                    email=f"{role}@{acct.lower()}.example",
                    active_from=created,
                    active_to="2026-05-31" if left else None,
                    _loaded_at=loaded,
                )
            )
        rows["product.seats"].append(
            dict(account_id=acct, effective_date=created, licensed_seats=10, _loaded_at=loaded)
        )
        offset = int(acct[1:])
        event_days = _days(periods + ([EXTRA_EVENTS[acct]] if acct in EXTRA_EVENTS else []))
        for day in event_days:
            d = (day - START).days
            for k in range(h["events"] + (d + offset) % 2):
                moment = _at(day, 8 + k * 1.25)
                rows["product.events"].append(
                    dict(
                        event_id=f"EV-{acct}-{day:%m%d}-{k}",
                        account_id=acct,
                        user_id=_user(acct, k, h["users"]),
                        feature_key=FEATURES[(k + d) % h["features"]][0],
                        occurred_at=_iso(moment),
                        _loaded_at=_iso(moment + timedelta(hours=1)),
                    )
                )
        for day in _days(periods):
            d = (day - START).days + offset
            if d % h["tickets"] == 0:
                opened = _at(day, 9.5)
                still_open = health == "critical" and day > END - timedelta(days=30)
                solved = opened + timedelta(hours=h["solve"])
                if solved > _at(END, 22):  # not solved yet when the export was taken
                    still_open, solved = True, None
                solved = None if still_open else solved
                rows["support.tickets"].append(
                    dict(
                        ticket_id=f"T-{acct}-{day:%m%d}",
                        account_id=acct,
                        requester_id=f"{acct}-U",
                        priority="urgent" if health == "critical" else "normal",
                        status="open" if still_open else "solved",
                        created_at=_iso(opened),
                        first_response_at=_iso(opened + timedelta(hours=1)),
                        solved_at=_iso(solved) if solved else None,
                        reopened_count=0,
                        csat_score=None if still_open else h["csat"],
                        subject="Question about reports",
                        _loaded_at=_iso((solved or opened) + timedelta(hours=1)),
                    )
                )
            if d % h["meet"] == 3:
                moment = _at(day, 14)
                rows["crm.activities"].append(
                    dict(
                        activity_id=f"ACT-{acct}-{day:%m%d}",
                        account_id=acct,
                        contact_id=f"{acct}-S",
                        activity_type="meeting",
                        outcome="no_show" if health == "critical" and d % 2 else "held",
                        occurred_at=_iso(moment),
                        _loaded_at=_iso(moment + timedelta(hours=3)),
                    )
                )
            if d % 30 == 10:
                moment = _at(day, 16)
                rows["crm.sentiment"].append(
                    dict(
                        sentiment_id=f"SEN-{acct}-{day:%m%d}",
                        account_id=acct,
                        author="Priya Natarajan",
                        sentiment_score=h["sentiment"],
                        note="Monthly check-in",
                        recorded_at=_iso(moment),
                        _loaded_at=_iso(moment + timedelta(hours=1)),
                    )
                )
    for sub_id, acct, plan, mrr, started, cancelled in SUBSCRIPTIONS:
        rows["billing.subscriptions"].append(
            dict(
                subscription_id=sub_id,
                account_id=acct,
                plan=plan,
                seats=10,
                mrr_amount=mrr,
                currency="USD",
                status="cancelled" if cancelled else "active",
                started_at=_midnight(started),
                cancelled_at=_midnight(cancelled) if cancelled else None,
                _loaded_at=_iso(_at(D(cancelled), 2)) if cancelled else loaded,
            )
        )
    for contract_id, acct, start, end, renewal, arr, status in CONTRACTS:
        rows["crm.contracts"].append(
            dict(
                contract_id=contract_id,
                account_id=acct,
                start_date=start,
                end_date=end,
                renewal_date=renewal,
                arr_amount=arr,
                currency="USD",
                status=status,
                _loaded_at=loaded,
            )
        )
    for opp_id, acct, kind, stage, close, amount, previous in OPPORTUNITIES:
        rows["crm.opportunities"].append(
            dict(
                opportunity_id=opp_id,
                account_id=acct,
                opportunity_type=kind,
                stage=stage,
                close_date=close,
                amount=amount,
                previous_amount=previous,
                currency="USD",
                _loaded_at=loaded,
            )
        )
    for key, name, is_key in FEATURES:
        rows["product.features"].append(
            dict(feature_key=key, feature_name=name, is_key_feature=is_key, _loaded_at=loaded)
        )
    return {key: pd.DataFrame(value) for key, value in rows.items()}


_TABLES = (
    "crm.accounts", "crm.contacts", "crm.activities", "crm.sentiment", "crm.contracts",
    "crm.opportunities", "product.events", "product.features", "product.seats",
    "support.tickets", "billing.subscriptions", "billing.plan_changes", "billing.invoices",
    "billing.payments", "billing.disputes",
)  # fmt: skip
