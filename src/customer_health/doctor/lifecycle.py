"""The account lifecycle, computed from the raw tables, for `customer-health doctor`.

This mirrors the dbt models ``int_lifecycle__episodes``, ``int_lifecycle__accounts``,
``int_lifecycle__outcomes`` and ``int_lifecycle__conflicts`` so that a user can see, before any
build, how many accounts the build will treat as live and which sources disagree. The models
are the source of truth; ``tests/python/test_foreign_book_2.py`` builds a hand-written book and
checks that the doctor's live count equals the models' (keep the two in step when a rule
changes). The rules, in short (``docs/lifecycle.md`` has them in full):

* Coverage comes from subscriptions and contracts as half-open date intervals
  ``[start, end)``. A subscription ends on its ``cancelled_at`` date (or, cancelled without a
  date, on the day its row was loaded); a contract the day after its ``end_date``, else on its
  ``renewal_date``, else never while active or renewed, else on the day it was loaded. An end
  after ``as_of_date`` has not happened yet.
* Explicit churn records, dated on or before ``as_of_date``: the account's ``churn_date``; its
  ``account_status`` churned without a date (the day the row was loaded); a renewal
  opportunity closed lost (its ``close_date``). The CRM decides whether the relationship was
  lost: each interval is cut at the first churn record on or after its start, and billing that
  would have run more than ``lifecycle_grace_days`` longer is a conflict.
* Intervals that start within the grace days of the latest end so far join one episode;
  a later one starts a new episode (a reactivation). An account without any subscription or
  contract has one episode from its ``created_date`` to its first churn record. Soft-deleted
  accounts have none.
* An account is live on ``as_of_date`` when one of its episodes covers it.

Rows are read as staging reads them: the latest version of each key, soft-deleted rows left
out, rows of accounts the CRM does not have left out (staging quarantines them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd

from customer_health.doctor.tables import TableReport, utc_date
from customer_health.warehouse import Warehouse

CONFLICT_TYPES = (
    "billing_active_after_churn",
    "usage_after_churn",
    "status_disagrees_with_billing",
    "churn_bridged_by_billing",
)
STATUS_ALIASES = {
    "active": "active",
    "customer": "active",
    "churned": "churned",
    "former_customer": "churned",
    "cancelled": "churned",
    "canceled": "churned",
}
FAR_FUTURE = date(9999, 12, 31)
WINDOW_CHUNK = 500  # ended episodes per usage query


def normalise(value: Any) -> str | None:
    """An enumeration value as staging's normalize_enum gives it ('Closed Lost' -> closed_lost)."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    text = str(value).strip().lower().replace("-", "_").replace(" ", "_")
    return text or None


def _dates(series: pd.Series) -> pd.Series:
    """UTC dates (or None) from dates, timestamps or text."""
    parsed = pd.to_datetime(series, errors="coerce", utc=True, format="mixed")
    return pd.Series(
        [None if pd.isna(v) else v.date() for v in parsed], index=series.index, dtype=object
    )


def read_latest(
    wh: Warehouse,
    report: TableReport,
    key: list[str],
    columns: list[str],
    since: list[str] | None = None,
) -> pd.DataFrame:
    """The table's rows as staging keeps them: latest version per key, not soft-deleted.

    Columns the warehouse lacks come back empty; ``loaded_date`` is the UTC date of
    ``_loaded_at``. With ``since``, ``since_date`` is the date of the first load of the
    unbroken run of versions, ending with the kept one, whose ``since`` columns hold the kept
    values (staging's ``status_loaded_at``): a status is dated by the load that first said it."""
    wanted = list(dict.fromkeys([*key, *columns, "_loaded_at", "_is_deleted"]))
    if not report.found or report.rows == 0:
        return pd.DataFrame(columns=[*wanted, "is_deleted", "loaded_date"]).astype(
            {"is_deleted": bool}
        )
    select = ", ".join(c for c in wanted if report.has(c))
    frame = wh.query_df(f"select {select} from {report.relation}")
    for c in wanted:
        if c not in frame.columns:
            frame[c] = None
    for k in key:
        frame[k] = frame[k].map(lambda v: None if pd.isna(v) else str(v).strip() or None)
    frame = frame.dropna(subset=key)
    frame["_loaded_at"] = pd.to_datetime(frame["_loaded_at"], errors="coerce", utc=True)
    frame = frame.sort_values("_loaded_at", kind="stable")
    if since:
        signature = (
            frame[since]
            .apply(lambda col: col.map(lambda v: "" if pd.isna(v) else str(v)))
            .agg("|".join, axis=1)
        )
        groups = [frame[k] for k in key]
        changed = signature.groupby(groups).shift() != signature
        run = changed.astype(int).groupby(groups).cumsum()
        frame["since_loaded_at"] = frame["_loaded_at"].groupby([*groups, run]).transform("min")
    frame = frame.drop_duplicates(key, keep="last")
    deleted = frame["_is_deleted"].map(
        lambda v: str(v).strip().lower() in ("true", "t", "1", "yes") if pd.notna(v) else False
    )
    frame = frame.assign(is_deleted=deleted.astype(bool), loaded_date=_dates(frame["_loaded_at"]))
    if since:
        frame["since_date"] = _dates(frame["since_loaded_at"])
    return frame.reset_index(drop=True)


@dataclass
class Interval:
    kind: str  # subscription | contract
    record_id: str
    start: date
    end: date | None  # after clipping; None = open
    cancelled: bool  # ends by a cancellation (a contraction if its episode goes on)
    raw_end: date | None  # before clipping (None = open, or ends after as_of)
    episode: int = 0
    recorded_end: date | None = None  # as the source records it, even after as_of


@dataclass
class Lifecycle:
    as_of_date: date
    grace_days: int
    accounts: pd.DataFrame
    episodes: pd.DataFrame
    outcomes: pd.DataFrame
    conflicts: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def live(self) -> int:
        return int(self.accounts["is_live_today"].sum()) if len(self.accounts) else 0

    def summary(self, samples: int = 3) -> dict[str, Any]:
        status = self.accounts["lifecycle_status"].value_counts() if len(self.accounts) else {}
        outcome_counts = self.outcomes["outcome_type"].value_counts() if len(self.outcomes) else {}
        by_type: dict[str, Any] = {}
        for conflict_type in CONFLICT_TYPES:
            rows = self.conflicts[self.conflicts["conflict_type"] == conflict_type]
            by_type[conflict_type] = {
                "count": len(rows),
                "accounts": int(rows["account_id"].nunique()),
                "samples": [
                    {
                        "account_id": r.account_id,
                        "date": r.conflict_date.isoformat(),
                        "evidence": r.evidence,
                    }
                    for r in rows.head(samples).itertuples(index=False)
                ],
            }
        return {
            "as_of_date": self.as_of_date.isoformat(),
            "grace_days": self.grace_days,
            "accounts": len(self.accounts),
            "live_today": self.live,
            "by_status": {
                s: int(status.get(s, 0)) for s in ("live", "churned", "deleted", "not_yet_customer")
            },
            "episodes": len(self.episodes),
            "reactivations": int(outcome_counts.get("reactivated", 0)),
            "churned_episodes": int(outcome_counts.get("churned", 0)),
            "contractions": int(outcome_counts.get("contracted", 0)),
            "conflicts": {"total": len(self.conflicts), "by_type": by_type},
            "notes": self.notes,
        }


def _coverage(
    subscriptions: pd.DataFrame, contracts: pd.DataFrame, as_of: date
) -> dict[str, list[Interval]]:
    """Coverage intervals per account, before clipping at churn records."""
    out: dict[str, list[Interval]] = {}

    def add(account: str, interval: Interval) -> None:
        interval.recorded_end = interval.raw_end
        if interval.raw_end is not None and interval.raw_end > as_of:
            interval.raw_end = None  # has not happened yet
        interval.end = interval.raw_end
        out.setdefault(account, []).append(interval)

    for r in subscriptions.itertuples(index=False):
        start = r.started_date
        if start is None:
            continue
        if r.cancelled_date is not None:
            end = r.cancelled_date
        elif normalise(r.status) in ("cancelled", "canceled"):
            end = r.since_date
        else:
            end = None
        add(
            r.account_id,
            Interval("subscription", r.subscription_id, start, end, end is not None, end),
        )
    for r in contracts.itertuples(index=False):
        if r.start_date is None:
            continue
        status = normalise(r.status)
        if r.end_date is not None:
            end = r.end_date + timedelta(days=1)
        elif r.renewal_date is not None:
            end = r.renewal_date
        elif status in ("active", "renewed"):
            end = None
        else:
            end = r.since_date
        cancelled = status in ("churned", "expired") and end is not None
        add(r.account_id, Interval("contract", r.contract_id, r.start_date, end, cancelled, end))
    return out


def compute(
    wh: Warehouse,
    tables: dict[str, TableReport],
    as_of: date,
    grace_days: int = 30,
) -> Lifecycle:
    """Episodes, live accounts, outcomes and conflicts on ``as_of`` (see the module docstring)."""
    grace = timedelta(days=grace_days)
    accounts = read_latest(
        wh,
        tables["crm.accounts"],
        ["account_id"],
        ["org_id", "created_date", "account_status", "churn_date"],
        since=["account_status", "churn_date"],
    )
    known = set(accounts["account_id"])

    def children(
        table: str, key: str, columns: list[str], since: list[str] | None = None
    ) -> pd.DataFrame:
        frame = read_latest(wh, tables[table], [key], ["account_id", *columns], since)
        frame["account_id"] = frame["account_id"].map(
            lambda v: None if pd.isna(v) else str(v).strip()
        )
        return frame[~frame["is_deleted"] & frame["account_id"].isin(known)]

    subscriptions = children(
        "billing.subscriptions",
        "subscription_id",
        ["status", "started_at", "cancelled_at"],
        since=["status", "cancelled_at"],
    )
    subscriptions = subscriptions.assign(
        started_date=_dates(subscriptions["started_at"]),
        cancelled_date=_dates(subscriptions["cancelled_at"]),
    )
    contracts = children(
        "crm.contracts",
        "contract_id",
        ["start_date", "end_date", "renewal_date", "status"],
        since=["status", "end_date", "renewal_date"],
    )
    for c in ("start_date", "end_date", "renewal_date"):
        contracts[c] = _dates(contracts[c])
    opportunities = children(
        "crm.opportunities", "opportunity_id", ["opportunity_type", "stage", "close_date"]
    )
    opportunities["close_date"] = _dates(opportunities["close_date"])
    accounts["created_date"] = _dates(accounts["created_date"])
    accounts["churn_date"] = _dates(accounts["churn_date"])
    accounts["status"] = accounts["account_status"].map(
        lambda v: STATUS_ALIASES.get(normalise(v) or "", normalise(v))
    )

    # explicit churn records, per account, dated on or before as_of
    churns: dict[str, set[date]] = {}
    for r in accounts.itertuples(index=False):
        when = (
            r.churn_date
            if r.churn_date is not None
            else (r.since_date if r.status == "churned" else None)
        )
        if when is not None and when <= as_of:
            churns.setdefault(r.account_id, set()).add(when)
    lost = opportunities[
        (opportunities["opportunity_type"].map(normalise) == "renewal")
        & (opportunities["stage"].map(normalise) == "closed_lost")
    ]
    for r in lost.itertuples(index=False):
        if r.close_date is not None and r.close_date <= as_of:
            churns.setdefault(r.account_id, set()).add(r.close_date)

    coverage = _coverage(subscriptions, contracts, as_of)
    account_rows, episode_rows, outcome_rows, conflict_rows = [], [], [], []

    def conflict(account: Any, kind: str, when: date, evidence: str, resolution: str) -> None:
        conflict_rows.append(
            dict(
                account_id=account.account_id,
                org_id=account.org_id,
                conflict_type=kind,
                conflict_date=when,
                evidence=evidence,
                resolution=resolution,
            )
        )

    for account in accounts.itertuples(index=False):
        a = account.account_id
        row = dict(account_id=a, org_id=account.org_id, as_of_date=as_of)
        if account.is_deleted:
            account_rows.append(
                {
                    **row,
                    "lifecycle_status": "deleted",
                    "is_live_today": False,
                    "episode_count": 0,
                    "status_reason": "soft-deleted in the CRM",
                }
            )
            continue
        churn_dates = sorted(churns.get(a, set()))

        def first_churn(on_or_after: date, dates: list[date] = churn_dates) -> date | None:
            return next((d for d in dates if d >= on_or_after), None)

        intervals = sorted(coverage.get(a, []), key=lambda i: (i.start, i.end or FAR_FUTURE))
        # 1. the CRM's churn record ends the relationship, even while billing runs on
        for i in intervals:
            c = first_churn(i.start)
            if c is None:
                continue
            if i.recorded_end is None or i.recorded_end - c > grace:
                ran = "is still active" if i.recorded_end is None else f"ran until {i.recorded_end}"
                conflict(
                    account,
                    "billing_active_after_churn",
                    c,
                    f"{i.kind} {i.record_id} {ran}, after the churn recorded on {c}",
                    "the episode ends on the churn date (the CRM decides)",
                )
            i.end = c if i.end is None else min(i.end, c)
        # 2-3. gaps and islands
        spans: list[list[Any]] = []  # [start, end or None]
        for i in intervals:
            if i.end is not None and i.end <= i.start:
                continue  # never covered a day (cut by a churn on its first day, or backwards)
            if not spans or (spans[-1][1] is not None and i.start - spans[-1][1] > grace):
                spans.append([i.start, i.end])
            elif spans[-1][1] is not None:
                spans[-1][1] = None if i.end is None else max(spans[-1][1], i.end)
            i.episode = len(spans)
        # 4. no coverage at all: the CRM's dates
        if not intervals and account.created_date is not None:
            end = first_churn(account.created_date)
            if end is None or end > account.created_date:  # churned the day it was created: none
                spans.append([account.created_date, end])
        live = False
        for n, (start, end) in enumerate(spans, start=1):
            reason = (
                None
                if end is None
                else ("explicit_churn" if end in churn_dates else "coverage_ended")
            )
            episode_rows.append(
                dict(
                    account_id=a,
                    org_id=account.org_id,
                    episode_number=n,
                    episode_start_date=start,
                    episode_end_date=end,
                    end_reason=reason,
                    is_reactivation=n > 1,
                )
            )
            live = live or (start <= as_of and (end is None or as_of < end))
            if n > 1:
                outcome_rows.append(
                    dict(
                        account_id=a,
                        outcome_type="reactivated",
                        outcome_date=start,
                        episode_number=n,
                    )
                )
            if end is not None:
                outcome_rows.append(
                    dict(account_id=a, outcome_type="churned", outcome_date=end, episode_number=n)
                )
        for i in intervals:
            if i.episode == 0:
                continue  # covered no day
            episode_end = spans[i.episode - 1][1]
            # a contraction: cancelled (not cut by a churn record) while another interval of
            # the same kind still covers its end date; a plan replaced after a gap is not one
            runs_on = any(
                o is not i
                and o.kind == i.kind
                and o.episode == i.episode
                and i.end is not None
                and o.start < i.end  # a successor starting that day replaced it
                and (o.end is None or o.end > i.end)
                for o in intervals
            )
            clipped = i.end is not None and (i.raw_end is None or i.end < i.raw_end)
            if (
                i.cancelled
                and not clipped
                and runs_on
                and (episode_end is None or episode_end > i.end)
            ):
                outcome_rows.append(
                    dict(
                        account_id=a,
                        outcome_type="contracted",
                        outcome_date=i.end,
                        episode_number=i.episode,
                        source_record_id=i.record_id,
                    )
                )
        if not spans and (intervals or churn_dates):
            status, why = "churned", "never a paying customer for a day"
        elif not spans:
            status, why = "not_yet_customer", "no subscription, contract or created_date"
        elif live:
            status, why = "live", f"episode {len(spans)} covers {as_of}"
        elif all(start > as_of for start, _ in spans):
            status, why = "not_yet_customer", f"its first episode starts on {spans[0][0]}"
        else:
            last_end = max(end for start, end in spans if end is not None)
            status, why = "churned", f"its last episode ended on {last_end}"
        account_rows.append(
            {
                **row,
                "lifecycle_status": status,
                "is_live_today": live,
                "episode_count": len(spans),
                "status_reason": why,
            }
        )
        # the CRM's status field against billing
        active_subscriptions = [
            i
            for i in intervals
            if i.kind == "subscription" and i.start <= as_of and i.raw_end is None
        ]
        # an explicit churn inside an episode that went on: billing resumed within the grace days
        for c in churn_dates:
            for n, (start, end) in enumerate(spans, start=1):
                if start < c and (end is None or c < end):
                    conflict(
                        account,
                        "churn_bridged_by_billing",
                        c,
                        f"a churn recorded on {c}, but episode {n} goes on",
                        "the account stays a customer: billing resumed within the grace days",
                    )
        if account.status == "active" and status == "churned":
            conflict(
                account,
                "status_disagrees_with_billing",
                as_of,
                "account_status is active but the account is not live (no coverage today)",
                "listed; the account is scored as not live",
            )
        if account.status == "churned" and active_subscriptions:
            conflict(
                account,
                "status_disagrees_with_billing",
                as_of,
                f"account_status is churned but subscription {active_subscriptions[0].record_id} "
                "is active today",
                "listed; the episodes decide whether it is live",
            )

    episodes = pd.DataFrame(
        episode_rows,
        columns=[
            "account_id",
            "org_id",
            "episode_number",
            "episode_start_date",
            "episode_end_date",
            "end_reason",
            "is_reactivation",
        ],
    )
    conflict_rows += _usage_after_churn(wh, tables, episodes, accounts, as_of, grace)
    return Lifecycle(
        as_of_date=as_of,
        grace_days=grace_days,
        accounts=pd.DataFrame(account_rows),
        episodes=episodes,
        outcomes=pd.DataFrame(
            outcome_rows,
            columns=[
                "account_id",
                "outcome_type",
                "outcome_date",
                "episode_number",
                "source_record_id",
            ],
        ),
        conflicts=pd.DataFrame(
            conflict_rows,
            columns=[
                "account_id",
                "org_id",
                "conflict_type",
                "conflict_date",
                "evidence",
                "resolution",
            ],
        ),
    )


def _usage_after_churn(
    wh: Warehouse,
    tables: dict[str, TableReport],
    episodes: pd.DataFrame,
    accounts: pd.DataFrame,
    as_of: date,
    grace: timedelta,
) -> list[dict[str, Any]]:
    """Product events more than the grace days after an ended episode, before the next one."""
    events = tables["product.events"]
    if not (
        events.found and events.rows and events.has("account_id") and events.has("occurred_at")
    ):
        return []
    windows = []
    for a, group in episodes.sort_values("episode_number").groupby("account_id", sort=False):
        rows = list(group.itertuples(index=False))
        for k, e in enumerate(rows):
            if e.episode_end_date is None or pd.isna(e.episode_end_date):
                continue
            before = rows[k + 1].episode_start_date if k + 1 < len(rows) else FAR_FUTURE
            windows.append(
                (a, e.episode_number, e.episode_end_date, e.episode_end_date + grace, before)
            )
    if not windows:
        return []
    day = utc_date(wh.engine, "events.occurred_at", events.present["occurred_at"])
    not_deleted = (
        "not coalesce(cast(events._is_deleted as boolean), false)"
        if events.has("_is_deleted")
        else "true"
    )
    org = dict(zip(accounts["account_id"], accounts["org_id"], strict=True))
    out = []
    for chunk_start in range(0, len(windows), WINDOW_CHUNK):
        chunk = windows[chunk_start : chunk_start + WINDOW_CHUNK]
        values = ", ".join(
            f"('{a.replace(chr(39), chr(39) * 2)}', {n}, date '{after}', date '{before}')"
            for a, n, _, after, before in chunk
        )
        found = wh.query_df(
            f"""
            with windows (account_id, episode_number, after_date, before_date) as (values {values}),
            dated as (
                select trim(cast(events.account_id as varchar)) as account_id, {day} as event_date
                from {events.relation} as events
                where {not_deleted}
            )
            select windows.account_id, windows.episode_number, count(*) as events,
                   min(dated.event_date) as first_date, max(dated.event_date) as last_date
            from windows
            inner join dated
                on dated.account_id = windows.account_id
                and dated.event_date > windows.after_date
                and dated.event_date < windows.before_date
                and dated.event_date <= date '{as_of}'
            group by 1, 2
            """
        )
        ends = {(a, n): end for a, n, end, _, _ in chunk}
        for r in found.itertuples(index=False):
            end = ends[(r.account_id, int(r.episode_number))]
            first = pd.Timestamp(r.first_date).date()
            out.append(
                dict(
                    account_id=r.account_id,
                    org_id=org.get(r.account_id),
                    conflict_type="usage_after_churn",
                    conflict_date=first,
                    evidence=f"{int(r.events)} product events from {first} to "
                    f"{pd.Timestamp(r.last_date).date()}, "
                    f"after episode {int(r.episode_number)} ended on {end}",
                    resolution="listed; usage does not reopen an episode",
                )
            )
    return out
