"""Stripe as the Fivetran connector lands it (docs/connectors/stripe.md).

Lands the book's billing family (``billing.subscriptions``, ``plan_changes``, ``invoices``,
``payments``, ``disputes``) in the tables the adapter in ``models/staging/stripe/`` reads:
``customer``, ``subscription_history``, ``subscription_item``, ``price``, ``plan``,
``invoice``, ``charge`` and ``dispute``. One row per id (the latest contract version of each
record), except the two history-mode tables, with the connector's quirks:

- prefixed string ids (``cus_``, ``sub_``, ``si_``, ``in_``, ``ch_``/``py_``, ``dp_``/``du_``,
  ``price_``); timestamps in whole seconds (the Stripe API's precision), naive UTC;
  ``_fivetran_synced`` is the contract's ``_loaded_at``; lower-case currency codes;
- amounts are integers in the currency's minor unit (cents; none for zero-decimal currencies);
- customers: one per account that bills, two for some accounts (a second billing entity);
  some carry the CRM id in their ``metadata`` JSON (key ``crm_account_id``; a few only in
  their subscriptions' metadata) and a private mail address, the others only a billing email
  on the company's domain (the CRM website's domain, in mixed case). A customer of a churned
  account is sometimes deleted in Stripe (``is_deleted``), and still owns its invoices;
- subscriptions in history mode (``subscription_history``: ``_fivetran_start``,
  ``_fivetran_end``, ``_fivetran_active``): a version at the start, at each seat or plan change,
  when a cancellation is requested at period end, and at the end (``canceled``, with
  ``canceled_at`` and ``ended_at``). A few active ones are ``past_due``;
- one item per subscription, in history mode too (``subscription_item``): each seat or plan
  change is a new version of the item with its new ``quantity`` and price. Seats are the
  quantity; the MRR is the price's ``unit_amount_decimal`` (fractions of a cent: the platform fee
  is spread over the seats) times the quantity, per ``recurring_interval`` (monthly, yearly or
  quarterly); a few older subscriptions use legacy ``plan`` objects (``amount``, whole minor
  units) instead of prices. The previous plan of a plan switch is named by the plan ladder;
- charges: every payment attempt, ``failed`` with ``failure_code`` and ``outcome_reason`` (the
  issuer's decline code); ``py_`` ids for bank transfers; a few have no ``customer_id`` (the
  invoice's customer is the payer); disputes point to the invoice's successful charge, with
  Stripe's statuses (inquiries are ``warning_*``);
- rows the adapter must leave out: a test-mode customer (``livemode = false``, carrying a real
  account's CRM id) with a subscription, an invoice and a charge; a ``draft`` invoice, a
  ``pending`` charge and an ``incomplete_expired`` subscription of live customers.

What Stripe cannot carry, :func:`equivalent` removes: contract plan changes are re-derived
from the item versions (``seat_change`` when only the quantity changed, else ``upgrade`` or
``downgrade`` by the MRR; a soft-deleted plan change cannot be deleted in Stripe), an inquiry
that was lost is a lost chargeback, a dispute reaches its account through its charge, amounts
are rounded to the minor unit and times to the second, and every row takes the tenant of its
CRM account.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd

from customer_health.generator.connectors import LandingContext
from customer_health.generator.params import PLANS

NAME = "stripe"
FAMILY = "billing"

# the adapter's default metadata key (var stripe_crm_id_metadata_key)
METADATA_KEY = "crm_account_id"

# Stripe's zero-decimal currencies (the adapter's macro stripe_currency_decimals has the same)
ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())

# quirk shares
SECOND_CUSTOMER_SHARE = 0.12  # of accounts with two invoices or more
DOMAIN_ONLY_SHARE = 0.40  # of customers whose CRM account has a website of its own
SUBSCRIPTION_METADATA_SHARE = 0.08  # of explicit-id customers with subscriptions
DELETED_CUSTOMER_SHARE = 0.3  # of customers whose subscriptions are all cancelled
INTERVALS = (("month", 1, 0.70), ("year", 1, 0.20), ("month", 3, 0.10))
LEGACY_PLAN_SHARE = 0.25  # of subscriptions whose per-unit amounts are whole minor units
PAST_DUE_SHARE = 0.05  # of active subscriptions
PERIOD_END_NOTICE_SHARE = 0.5  # of cancellations requested ahead, at period end
GUEST_CHARGE_SHARE = 0.05
MAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com")

# contract failure reason -> (failure_code, outcome_reason)
FAILURES = {
    "card_declined": ("card_declined", None),
    "do_not_honor": ("card_declined", "do_not_honor"),
    "insufficient_funds": ("insufficient_funds", "insufficient_funds"),
    "expired_card": ("expired_card", "expired_card"),
}
# contract (dispute_type, status) -> Stripe dispute status
DISPUTE_STATUS = {
    ("chargeback", "open"): "needs_response",
    ("chargeback", "won"): "won",
    ("chargeback", "lost"): "lost",
    ("dispute", "open"): "warning_needs_response",
    ("dispute", "won"): "warning_closed",
    ("dispute", "lost"): "lost",  # an inquiry that turned into a chargeback, and was lost
}
DISPUTE_REASONS = ("fraudulent", "product_unacceptable", "subscription_canceled", "general")

SECOND = pd.Timedelta(seconds=1)
HOUR = pd.Timedelta(hours=1)
DAY = pd.Timedelta(days=1)
_ALPHABET = np.array(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))


# ---------------------------------------------------------------- helpers


def _latest(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """One row per key: the latest version by _loaded_at (as the base models keep it)."""
    ordered = frame.sort_values("_loaded_at", kind="stable")
    return ordered.drop_duplicates(key, keep="last").reset_index(drop=True)


def _naive(value: object) -> object:
    """A tz-aware timestamp (or Series) as naive UTC, in whole seconds."""
    if isinstance(value, pd.Series):
        return value.dt.tz_convert("UTC").dt.tz_localize(None).dt.floor("s")
    if value is None or pd.isna(value):
        return pd.NaT
    return pd.Timestamp(value).tz_convert("UTC").tz_localize(None).floor("s")


def _at(day: object, offset: pd.Timedelta) -> object:
    """A date plus a time of day, as a naive timestamp (NaT for no date)."""
    if day is None or (isinstance(day, float) and np.isnan(day)) or pd.isna(day):
        return pd.NaT
    return pd.Timestamp(day) + offset


def _decimals(currency: object) -> int:
    return 0 if str(currency).lower() in ZERO_DECIMAL else 2


def _minor(amount: object, currency: object) -> object:
    """An amount in the currency's minor unit (an int), or None."""
    if amount is None or pd.isna(amount):
        return None
    return int(round(float(amount) * 10 ** _decimals(currency)))


def _major(minor: object, currency: object) -> float:
    """What the adapter makes of an amount in minor units."""
    if minor is None or pd.isna(minor):
        return np.nan
    return float(minor) / 10 ** _decimals(currency)


def _domain(website: object) -> object:
    """The lower-case domain of a website, as the adapter's normalize_domain makes it."""
    if not isinstance(website, str) or not website.strip():
        return None
    host = website.strip().lower()
    if "@" in host:
        host = host.split("@")[1]
    else:
        host = host.replace("https://", "").replace("http://", "").split("/")[0]
    host = host.split(":")[0].split("?")[0]
    if host.startswith("www."):
        host = host[4:]
    return host or None


class _Ids:
    """Stripe-like ids: a prefix and random base62 characters, never twice the same."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.seen: set[str] = set()

    def __call__(self, prefix: str, length: int = 24) -> str:
        while True:
            value = prefix + "".join(self.rng.choice(_ALPHABET, length))
            if value not in self.seen:
                self.seen.add(value)
                return value


# ---------------------------------------------------------------- the book, as Stripe sees it


@dataclass
class _State:
    """One version of a subscription's item: seats, MRR (minor units) and plan from `start`."""

    start: pd.Timestamp
    seats: int
    mrr_minor: int
    plan: str
    change: pd.Series | None = None  # the contract plan change that led to it
    synced: pd.Timestamp | None = None


@dataclass
class _Subscription:
    row: pd.Series
    states: list[_State] = field(default_factory=list)

    @property
    def ended(self) -> pd.Timestamp:
        """When a cancelled subscription ended (never before its last item version)."""
        if self.row["status"] != "cancelled" or pd.isna(self.row["cancelled_at"]):
            return pd.NaT
        return max(_naive(self.row["cancelled_at"]), self.states[-1].start + SECOND)

    @property
    def last_version(self) -> pd.Timestamp:
        """When the subscription's current version started (the adapter's _loaded_at)."""
        return self.ended if pd.notna(self.ended) else self.states[-1].start


@dataclass
class _Book:
    accounts: pd.DataFrame  # CRM accounts, latest versions (is_live: not deleted)
    subscriptions: pd.DataFrame
    plan_changes: pd.DataFrame
    invoices: pd.DataFrame
    payments: pd.DataFrame
    disputes: pd.DataFrame
    history: dict[str, _Subscription]
    dispute_payment: dict[str, object]  # dispute_id -> payment_id of its charge (or None)


def _plan_before(plan: str, mrr_before: float, mrr_after: float) -> str:
    """The plan a plan switch left: the next rung of the plan ladder, down for an upgrade."""
    if plan in PLANS:
        i = PLANS.index(plan) + (1 if mrr_before > mrr_after else -1)
        if 0 <= i < len(PLANS):
            return PLANS[i]
    return f"{plan}_previous"


def _states(sub: pd.Series, changes: pd.DataFrame) -> list[_State]:
    """The item versions of a subscription: its start state, one per contract plan change and,
    when the subscription's latest state differs from the last change's, one for it."""
    currency = sub["currency"]
    started = _naive(sub["started_at"])
    final = _State(
        started,
        int(sub["seats"]),
        _minor(sub["mrr_amount"], currency),
        str(sub["plan"]),
    )
    if changes.empty:
        return [final]
    changes = changes.sort_values(["changed_at", "change_id"], kind="stable")
    plans = [final.plan]
    for change in reversed(list(changes.itertuples(index=False))):
        plan = plans[0]
        if change.seats_before == change.seats_after and change.mrr_before != change.mrr_after:
            plan = _plan_before(plan, change.mrr_before, change.mrr_after)
        plans.insert(0, plan)
    first = changes.iloc[0]
    states = [
        _State(
            started,
            int(first["seats_before"]),
            _minor(first["mrr_before"], currency),
            plans[0],
        )
    ]
    for k, (_, change) in enumerate(changes.iterrows()):
        start = max(_naive(change["changed_at"]), states[-1].start + SECOND)
        states.append(
            _State(
                start,
                int(change["seats_after"]),
                _minor(change["mrr_after"], currency),
                plans[k + 1],
                change,
                _naive(change["_loaded_at"]),
            )
        )
    last = states[-1]
    if (last.seats, last.mrr_minor, last.plan) != (final.seats, final.mrr_minor, final.plan):
        start = max(_naive(sub["_loaded_at"]), last.start + SECOND)
        states.append(_State(start, final.seats, final.mrr_minor, final.plan, None, start + HOUR))
    return states


def _book(frames: Mapping[str, pd.DataFrame]) -> _Book:
    crm = _latest(frames["crm.accounts"], "account_id")
    crm["is_live"] = ~crm["_is_deleted"].astype(bool)
    subs = _latest(frames["billing.subscriptions"], "subscription_id")
    changes = _latest(frames["billing.plan_changes"], "change_id")
    invoices = _latest(frames["billing.invoices"], "invoice_id")
    payments = _latest(frames["billing.payments"], "payment_id")
    disputes = _latest(frames["billing.disputes"], "dispute_id")
    history: dict[str, _Subscription] = {}
    by_sub = {k: g for k, g in changes.groupby("subscription_id", sort=False)}
    for _, sub in subs.iterrows():
        own = by_sub.get(sub["subscription_id"], changes.iloc[0:0])
        history[sub["subscription_id"]] = _Subscription(sub, _states(sub, own))
    # a dispute is raised on a charge: the invoice's latest successful payment, else its
    # latest attempt
    dispute_payment: dict[str, object] = {}
    ordered = payments.assign(ok=payments["status"] == "succeeded").sort_values(
        ["ok", "attempted_at"], kind="stable"
    )
    best = ordered.drop_duplicates("invoice_id", keep="last").set_index("invoice_id")
    for _, d in disputes.iterrows():
        dispute_payment[d["dispute_id"]] = (
            best.loc[d["invoice_id"], "payment_id"] if d["invoice_id"] in best.index else None
        )
    return _Book(crm, subs, changes, invoices, payments, disputes, history, dispute_payment)


def _monthly_factor(interval: str, count: int) -> int:
    return {"month": 1, "year": 12}[interval] * count


# ---------------------------------------------------------------- landing


def land(frames: Mapping[str, pd.DataFrame], ctx: LandingContext) -> dict[str, pd.DataFrame]:
    rng = ctx.rng
    ids = _Ids(rng)
    book = _book(frames)
    crm = book.accounts.set_index("account_id")
    # the identity map matches domains against live CRM accounts only (explicit ids against
    # deleted ones too): a domain-only customer needs a live account with a domain of its own
    domains = crm.loc[crm["is_live"], "website"].map(_domain)
    domain_counts = domains.value_counts()
    # ---------------------------------------------------------------- customers
    billing_rows = [book.subscriptions, book.invoices, book.payments, book.disputes]
    accounts = sorted({a for f in billing_rows for a in f["account_id"].dropna().unique()})
    invoice_counts = book.invoices["account_id"].value_counts()
    has_subs = set(book.subscriptions["account_id"].dropna())
    churned = set(book.subscriptions["account_id"].dropna()) - set(
        book.subscriptions.loc[book.subscriptions["status"] != "cancelled", "account_id"]
    )
    first_seen: dict[str, pd.Timestamp] = {}
    for frame, column in (
        (book.subscriptions, "started_at"),
        (book.payments, "attempted_at"),
    ):
        for account, when in frame.groupby("account_id")[column].min().items():
            when = _naive(when)
            first_seen[account] = min(first_seen.get(account, when), when)
    for account, day in book.invoices.groupby("account_id")["issued_date"].min().items():
        when = pd.Timestamp(day)
        first_seen[account] = min(first_seen.get(account, when), when)

    customers: list[dict] = []
    customers_of: dict[object, list[str]] = {}
    metadata_route: dict[str, str] = {}  # customer id -> explicit / subscription / domain
    metadata: dict[str, dict[str, str]] = {}  # customer id -> its metadata (JSON at the end)
    crm_id_of: dict[str, object] = {}
    for account in [*accounts, None]:
        if account is None and not any(f["account_id"].isna().any() for f in billing_rows):
            continue
        known = account in crm.index
        domain = domains.get(account)
        n = 2 if invoice_counts.get(account, 0) >= 2 and rng.random() < SECOND_CUSTOMER_SHARE else 1
        own: list[str] = []
        for k in range(n):
            cid = ids("cus_", 14)
            own.append(cid)
            name = crm.loc[account, "account_name"] if known else None
            if name is not None and k:
                name = f"{name} ({['EMEA', 'APAC', 'Payroll'][int(rng.integers(0, 3))]})"
            unique_domain = isinstance(domain, str) and domain_counts.get(domain, 0) == 1
            if account is None:
                route = "none"
            elif unique_domain and rng.random() < DOMAIN_ONLY_SHARE:
                route = "domain"
            elif account in has_subs and rng.random() < SUBSCRIPTION_METADATA_SHARE:
                route = "subscription"
            else:
                route = "explicit"
            metadata_route[cid] = route
            crm_id_of[cid] = ctx.crm_id(account)
            meta = metadata.setdefault(cid, {})
            if rng.random() < 0.5:
                meta["signup_source"] = str(rng.choice(["sales", "self_serve", "partner"]))
            if route == "explicit":
                meta[METADATA_KEY] = str(ctx.crm_id(account))
            if route == "domain":
                local = str(rng.choice(["billing", "ap", "finance", "accounts.payable"]))
                email = f"{local}@{domain}"
                email = email.upper() if rng.random() < 0.15 else email
                if rng.random() < 0.3:
                    email = email.title()
            elif route == "none" or rng.random() < 0.2:
                email = None
            else:
                email = f"{ids('', 8).lower()}@{rng.choice(MAIL_DOMAINS)}"
            created = first_seen.get(account, pd.Timestamp("2024-01-01")) - pd.Timedelta(
                hours=int(rng.integers(1, 72))
            )
            customers.append(
                {
                    "id": cid,
                    "name": name,
                    "email": email,
                    "description": None if rng.random() < 0.7 else f"Account {ctx.crm_id(account)}",
                    "metadata": None,
                    "currency": None,
                    "created": created.floor("s"),
                    "delinquent": False,
                    "balance": 0,
                    "livemode": True,
                    "is_deleted": False,
                    "_fivetran_synced": created + pd.Timedelta(minutes=int(rng.integers(2, 600))),
                    "_fivetran_deleted": False,
                }
            )
        customers_of[account] = own
    customer_row = {c["id"]: c for c in customers}

    def customer_for(account: object) -> str:
        own = customers_of[account if account in customers_of else None]
        return own[int(rng.integers(0, len(own)))]

    # ---------------------------------------------------------------- subscriptions and items
    sub_rows: list[dict] = []
    item_rows: list[dict] = []
    prices: dict[tuple, dict] = {}
    plans: dict[tuple, dict] = {}
    sub_ids: dict[str, str] = {}
    sub_customer: dict[str, str] = {}
    product_ids: dict[str, str] = {}
    for sid, entry in book.history.items():
        sub = entry.row
        cid = customer_for(sub["account_id"])
        customer = customer_row[cid]
        currency = str(sub["currency"]).lower() if isinstance(sub["currency"], str) else "usd"
        customer["currency"] = customer["currency"] or currency
        stripe_id = ids("sub_")
        sub_ids[sid] = stripe_id
        sub_customer[sid] = cid
        interval, count, _ = INTERVALS[
            int(rng.choice(len(INTERVALS), p=[s for *_, s in INTERVALS]))
        ]
        months = _monthly_factor(interval, count)
        whole = all(s.seats > 0 and (s.mrr_minor * months) % s.seats == 0 for s in entry.states)
        legacy = whole and rng.random() < LEGACY_PLAN_SHARE
        # the price (or legacy plan) of each state
        price_ids: list[str] = []
        for state in entry.states:
            product = product_ids.setdefault(state.plan, ids("prod_", 14))
            nickname = state.plan.replace("_", " ").title()
            per_unit = (
                Decimal(state.mrr_minor * months) / Decimal(state.seats)
                if state.seats > 0
                else Decimal(0)
            )
            if legacy:
                amount = int(per_unit)
                key = (currency, state.plan, interval, count, amount)
                if key not in plans:
                    plans[key] = {
                        "id": f"{state.plan}_{interval}{count if count > 1 else ''}"
                        f"_{currency}_{amount}",
                        "nickname": nickname,
                        "product_id": product,
                        "currency": currency,
                        "amount": amount,
                        "interval": interval,
                        "interval_count": count,
                        "usage_type": "licensed",
                        "billing_scheme": "per_unit",
                        "aggregate_usage": None,
                        "trial_period_days": None,
                        "active": True,
                        "created": state.start - 30 * DAY,
                        "livemode": True,
                        "is_deleted": False,
                        "metadata": None,
                        "_fivetran_synced": state.start - 30 * DAY + HOUR,
                        "_fivetran_deleted": False,
                    }
                price_ids.append(plans[key]["id"])
            else:
                text = format(per_unit.quantize(Decimal("1e-12")).normalize(), "f")
                key = (currency, state.plan, interval, count, text)
                if key not in prices:
                    integral = per_unit == per_unit.to_integral_value()
                    prices[key] = {
                        "id": ids("price_"),
                        "nickname": nickname,
                        "product_id": product,
                        "currency": currency,
                        "unit_amount": int(per_unit) if integral else None,
                        "unit_amount_decimal": text,
                        "recurring_interval": interval,
                        "recurring_interval_count": count,
                        "recurring_usage_type": "licensed",
                        "recurring_aggregate_usage": None,
                        "billing_scheme": "per_unit",
                        "type": "recurring",
                        "active": True,
                        "created": state.start - DAY,
                        "livemode": True,
                        "is_deleted": False,
                        "metadata": None,
                        "_fivetran_synced": state.start - DAY + HOUR,
                        "_fivetran_deleted": False,
                    }
                price_ids.append(prices[key]["id"])
        # the item's versions
        item_id = ids("si_", 14)
        for k, state in enumerate(entry.states):
            end = entry.states[k + 1].start if k + 1 < len(entry.states) else pd.NaT
            item_rows.append(
                {
                    "id": item_id,
                    "subscription_id": stripe_id,
                    "plan_id": price_ids[k],
                    "quantity": state.seats,
                    "created": entry.states[0].start,
                    "current_period_start": state.start,
                    "current_period_end": state.start + months * 30 * DAY,
                    "metadata": None,
                    "_fivetran_start": state.start,
                    "_fivetran_end": end - SECOND if pd.notna(end) else pd.NaT,
                    "_fivetran_active": pd.isna(end),
                    "_fivetran_synced": end
                    if pd.notna(end)
                    else max(
                        state.synced if state.synced is not None else state.start + HOUR,
                        state.start + SECOND,
                    ),
                    "_fivetran_deleted": False,
                }
            )
        # the subscription's versions: one per item version, a cancellation request, the end
        meta = {}
        if metadata_route[cid] == "subscription":
            meta[METADATA_KEY] = str(crm_id_of[cid])
        cancelled = entry.ended
        steps: list[dict] = [
            {"start": s.start, "quantity": s.seats, "status": "active"} for s in entry.states
        ]
        requested = pd.NaT
        if pd.notna(cancelled):
            notice = pd.Timedelta(days=int(rng.integers(3, 25)))
            if rng.random() < PERIOD_END_NOTICE_SHARE and cancelled - notice > steps[-1]["start"]:
                requested = cancelled - notice
                steps.append(
                    {"start": requested, "quantity": steps[-1]["quantity"], "status": "active"}
                )
            steps.append(
                {"start": cancelled, "quantity": steps[-1]["quantity"], "status": "canceled"}
            )
        elif rng.random() < PAST_DUE_SHARE:
            steps[-1]["status"] = "past_due"
        started = entry.states[0].start
        for k, step in enumerate(steps):
            end = steps[k + 1]["start"] if k + 1 < len(steps) else pd.NaT
            current = pd.isna(end)
            asked = pd.notna(requested) and step["start"] >= requested
            period = months * 30 * DAY
            periods = max(0, int((step["start"] - started) / period))
            synced = max(_naive(sub["_loaded_at"]), step["start"] + SECOND) if current else end
            sub_rows.append(
                {
                    "id": stripe_id,
                    "customer_id": cid,
                    "status": step["status"],
                    "created": started,
                    "start_date": started,
                    "billing_cycle_anchor": started,
                    "current_period_start": started + periods * period,
                    "current_period_end": started + (periods + 1) * period,
                    "cancel_at_period_end": bool(asked and step["status"] != "canceled"),
                    "cancel_at": cancelled if asked else pd.NaT,
                    "canceled_at": requested
                    if asked
                    else (cancelled if step["status"] == "canceled" else pd.NaT),
                    "ended_at": cancelled if step["status"] == "canceled" else pd.NaT,
                    "quantity": step["quantity"],
                    "days_until_due": None,
                    "metadata": json.dumps(meta) if meta else None,
                    "livemode": True,
                    "_fivetran_start": step["start"],
                    "_fivetran_end": end - SECOND if pd.notna(end) else pd.NaT,
                    "_fivetran_active": current,
                    "_fivetran_synced": synced,
                    "_fivetran_deleted": bool(current and sub["_is_deleted"]),
                }
            )

    # ---------------------------------------------------------------- invoices
    invoice_rows: list[dict] = []
    invoice_ids: dict[str, str] = {}
    invoice_customer: dict[str, str] = {}
    for _, inv in book.invoices.iterrows():
        cid = customer_for(inv["account_id"])
        currency = str(inv["currency"]).lower() if isinstance(inv["currency"], str) else None
        customer_row[cid]["currency"] = customer_row[cid]["currency"] or currency
        iid = ids("in_")
        invoice_ids[inv["invoice_id"]] = iid
        invoice_customer[inv["invoice_id"]] = cid
        created = _at(inv["issued_date"], pd.Timedelta(seconds=int(rng.integers(0, 20 * 3600))))
        due = (
            _at(inv["due_date"], pd.Timedelta(hours=23, minutes=59, seconds=59))
            if inv["due_date"] != inv["issued_date"]
            else pd.NaT
        )
        paid_at = _at(inv["paid_date"], pd.Timedelta(seconds=int(rng.integers(0, 20 * 3600))))
        synced = _naive(inv["_loaded_at"])
        total = _minor(inv["amount"], currency)
        status = inv["status"]
        paid = status == "paid"
        invoice_rows.append(
            {
                "id": iid,
                "customer_id": cid,
                "subscription_id": None,
                "number": f"{cid[4:12].upper()}-{len(invoice_rows) + 1:04d}",
                "currency": currency,
                "total": total,
                "subtotal": total,
                "amount_due": total,
                "amount_paid": total if paid else 0,
                "amount_remaining": 0 if paid or status == "void" else total,
                "created": created,
                "date": created,
                "due_date": due,
                "status": status,
                "paid": paid,
                "attempted": True,
                "attempt_count": 0,
                "billing_reason": "subscription_cycle",
                "charge_id": None,
                "status_transitions_finalized_at": created + HOUR if pd.notna(created) else pd.NaT,
                "status_transitions_paid_at": paid_at,
                "status_transitions_voided_at": synced if status == "void" else pd.NaT,
                "status_transitions_marked_uncollectible_at": synced
                if status == "uncollectible"
                else pd.NaT,
                "next_payment_attempt": pd.NaT,
                "livemode": True,
                "is_deleted": bool(inv["_is_deleted"]),
                "metadata": None,
                "_fivetran_synced": synced,
                "_fivetran_deleted": False,
            }
        )
    # subscription link: the customer's first subscription, when it has one
    first_sub = {}
    for sid, cid in sub_customer.items():
        first_sub.setdefault(cid, sub_ids[sid])
    for row in invoice_rows:
        row["subscription_id"] = first_sub.get(row["customer_id"])

    # ---------------------------------------------------------------- charges
    charge_rows: list[dict] = []
    charge_ids: dict[str, str] = {}
    charge_customer: dict[str, object] = {}
    invoice_by_id = {r["id"]: r for r in invoice_rows}
    invoice_frame = book.invoices.set_index("invoice_id")
    for _, pay in book.payments.iterrows():
        known = pay["invoice_id"] in invoice_ids
        iid = invoice_ids.get(pay["invoice_id"])
        invoice = invoice_frame.loc[pay["invoice_id"]] if known else None
        same_account = known and invoice["account_id"] == pay["account_id"]
        cid = (
            invoice_customer[pay["invoice_id"]] if same_account else customer_for(pay["account_id"])
        )
        # a bank transfer pays an invoice sent with terms (due after its issue date)
        bank = known and invoice["due_date"] != invoice["issued_date"]
        chid = ids("py_" if bank else "ch_")
        charge_ids[pay["payment_id"]] = chid
        charge_customer[chid] = cid
        failed = pay["status"] == "failed"
        code, reason = FAILURES.get(pay["failure_reason"], (pay["failure_reason"], None))
        currency = str(pay["currency"]).lower() if isinstance(pay["currency"], str) else None
        guest = same_account and rng.random() < GUEST_CHARGE_SHARE
        charge_rows.append(
            {
                "id": chid,
                "customer_id": None if guest else cid,
                "invoice_id": iid,
                "payment_intent_id": ids("pi_"),
                "amount": _minor(pay["amount"], currency),
                "amount_refunded": 0,
                "currency": currency,
                "created": _naive(pay["attempted_at"]),
                "status": pay["status"],
                "paid": not failed,
                "captured": not failed,
                "refunded": False,
                "failure_code": code if failed else None,
                "failure_message": f"Your card was declined ({code})." if failed else None,
                "outcome_type": "issuer_declined" if failed else "authorized",
                "outcome_reason": reason if failed else None,
                "outcome_network_status": ("declined" if failed else "approved") + "_by_network",
                "outcome_seller_message": "The bank did not return any further details."
                if failed
                else "Payment complete.",
                "outcome_risk_level": "normal",
                "livemode": True,
                "metadata": None,
                "_fivetran_synced": _naive(pay["_loaded_at"]),
                "_fivetran_deleted": bool(pay["_is_deleted"]),
            }
        )
        if known and not failed:
            invoice_by_id[iid]["charge_id"] = chid
        if known:
            invoice_by_id[iid]["attempt_count"] += 1

    # ---------------------------------------------------------------- disputes
    dispute_rows: list[dict] = []
    for _, d in book.disputes.iterrows():
        pid = book.dispute_payment[d["dispute_id"]]
        currency = str(d["currency"]).lower() if isinstance(d["currency"], str) else None
        opened = _naive(d["opened_at"])
        status = str(DISPUTE_STATUS.get((d["dispute_type"], d["status"]), d["status"]))
        dispute_rows.append(
            {
                "id": ids("du_" if status.startswith("warning") else "dp_"),
                "charge_id": charge_ids[pid] if pid is not None else ids("ch_"),
                "amount": _minor(d["amount"], currency),
                "currency": currency,
                "created": opened,
                "reason": str(rng.choice(DISPUTE_REASONS)),
                "status": status,
                "is_charge_refundable": False,
                "evidence_details_due_by": opened + 10 * DAY,
                "evidence_details_has_evidence": status in ("won", "lost", "under_review"),
                "evidence_details_past_due": False,
                "evidence_details_submission_count": 1 if status in ("won", "lost") else 0,
                "livemode": True,
                "metadata": None,
                "_fivetran_synced": _naive(d["_loaded_at"]),
                "_fivetran_deleted": bool(d["_is_deleted"]),
            }
        )

    # ---------------------------------------------------------------- rows to leave out
    _leftovers(
        rng,
        ids,
        book,
        customers,
        customers_of,
        crm_id_of,
        sub_rows,
        item_rows,
        prices,
        invoice_rows,
        charge_rows,
        ctx,
    )

    # metadata: a customer meant to carry the CRM id in its subscriptions that has none carries
    # it itself
    with_subs = set(sub_customer.values())
    for cid, route in metadata_route.items():
        if route == "subscription" and cid not in with_subs:
            metadata[cid][METADATA_KEY] = str(crm_id_of[cid])
        meta = metadata[cid]
        customer_row[cid]["metadata"] = json.dumps(meta) if meta or rng.random() < 0.5 else None
    for c in customers:
        c["currency"] = c["currency"] or "usd"
    churned_customers = {cid for account in churned for cid in customers_of.get(account, [])}
    for cid in sorted(churned_customers):
        if rng.random() < DELETED_CUSTOMER_SHARE:
            customer_row[cid]["is_deleted"] = True
    tables = {
        "customer": pd.DataFrame(customers),
        "subscription_history": pd.DataFrame(sub_rows),
        "subscription_item": pd.DataFrame(item_rows),
        "price": pd.DataFrame(list(prices.values())),
        "plan": pd.DataFrame(list(plans.values())),
        "invoice": pd.DataFrame(invoice_rows),
        "charge": pd.DataFrame(charge_rows),
        "dispute": pd.DataFrame(dispute_rows),
    }
    return {name: _typed(name, frame) for name, frame in tables.items()}


def _leftovers(
    rng: np.random.Generator,
    ids: _Ids,
    book: _Book,
    customers: list[dict],
    customers_of: dict[object, list[str]],
    crm_id_of: dict[str, object],
    sub_rows: list[dict],
    item_rows: list[dict],
    prices: dict[tuple, dict],
    invoice_rows: list[dict],
    charge_rows: list[dict],
    ctx: LandingContext,
) -> None:
    """Rows the adapter must leave out, each of which would move a score if it were read: a
    test-mode customer (with a real account's CRM id) and its subscription, invoice and charge;
    a draft invoice, a pending charge and an incomplete_expired subscription of live customers."""
    live_accounts = set(book.accounts.loc[book.accounts["is_live"], "account_id"])
    live = [a for a in customers_of if a is not None and a in live_accounts]
    if not live or not invoice_rows:
        return
    end = max(r["created"] for r in invoice_rows if pd.notna(r["created"]))
    victim = live[int(rng.integers(0, len(live)))]
    victim_customer = customers_of[victim][0]
    # the test-mode customer
    test_id = ids("cus_", 14)
    customers.append(
        {
            **{k: None for k in customers[0]},
            "id": test_id,
            "name": "Test customer",
            "email": None,
            "metadata": json.dumps({METADATA_KEY: str(ctx.crm_id(victim))}),
            "currency": "usd",
            "created": end - 200 * DAY,
            "delinquent": True,
            "balance": 0,
            "livemode": False,
            "is_deleted": False,
            "_fivetran_synced": end - 200 * DAY + HOUR,
            "_fivetran_deleted": False,
        }
    )
    price_key = ("usd", "test", "month", 1, "100000")
    prices[price_key] = {
        "id": ids("price_"),
        "nickname": "Test plan",
        "product_id": ids("prod_", 14),
        "currency": "usd",
        "unit_amount": 100000,
        "unit_amount_decimal": "100000",
        "recurring_interval": "month",
        "recurring_interval_count": 1,
        "recurring_usage_type": "licensed",
        "recurring_aggregate_usage": None,
        "billing_scheme": "per_unit",
        "type": "recurring",
        "active": True,
        "created": end - 300 * DAY,
        "livemode": False,
        "is_deleted": False,
        "metadata": None,
        "_fivetran_synced": end - 300 * DAY + HOUR,
        "_fivetran_deleted": False,
    }
    for customer, status, livemode in (
        (test_id, "active", False),
        (victim_customer, "incomplete_expired", True),
    ):
        sid = ids("sub_")
        start = end - 120 * DAY
        sub_rows.append(
            {
                **{k: None for k in sub_rows[0]},
                "id": sid,
                "customer_id": customer,
                "status": status,
                "created": start,
                "start_date": start,
                "billing_cycle_anchor": start,
                "current_period_start": start,
                "current_period_end": start + 30 * DAY,
                "cancel_at_period_end": False,
                "cancel_at": pd.NaT,
                "canceled_at": pd.NaT,
                "ended_at": start + DAY if status == "incomplete_expired" else pd.NaT,
                "quantity": 500,
                "livemode": livemode,
                "_fivetran_start": start,
                "_fivetran_end": pd.NaT,
                "_fivetran_active": True,
                "_fivetran_synced": start + HOUR,
                "_fivetran_deleted": False,
            }
        )
        item_rows.append(
            {
                **{k: None for k in item_rows[0]},
                "id": ids("si_", 14),
                "subscription_id": sid,
                "plan_id": prices[price_key]["id"],
                "quantity": 500,
                "created": start,
                "current_period_start": start,
                "current_period_end": start + 30 * DAY,
                "_fivetran_start": start,
                "_fivetran_end": pd.NaT,
                "_fivetran_active": True,
                "_fivetran_synced": start + HOUR,
                "_fivetran_deleted": False,
            }
        )
    # invoices: a test-mode one and a draft, both large and long past due
    for customer, status, livemode in ((test_id, "open", False), (victim_customer, "draft", True)):
        iid = ids("in_")
        created = end - 90 * DAY
        invoice_rows.append(
            {
                **{k: None for k in invoice_rows[0]},
                "id": iid,
                "customer_id": customer,
                "currency": "usd",
                "total": 5_000_000,
                "subtotal": 5_000_000,
                "amount_due": 5_000_000,
                "amount_paid": 0,
                "amount_remaining": 5_000_000,
                "created": created,
                "date": created,
                "due_date": created + 14 * DAY,
                "status": status,
                "paid": False,
                "attempted": livemode is False,
                "attempt_count": 1 if not livemode else 0,
                "billing_reason": "manual",
                "status_transitions_finalized_at": created + HOUR if status == "open" else pd.NaT,
                "status_transitions_paid_at": pd.NaT,
                "status_transitions_voided_at": pd.NaT,
                "status_transitions_marked_uncollectible_at": pd.NaT,
                "next_payment_attempt": pd.NaT,
                "livemode": livemode,
                "is_deleted": False,
                "_fivetran_synced": created + HOUR,
                "_fivetran_deleted": False,
            }
        )
        # a failed test-mode charge and a pending live one, on the same invoices
        charge_rows.append(
            {
                **{k: None for k in charge_rows[0]},
                "id": ids("ch_"),
                "customer_id": customer,
                "invoice_id": iid,
                "payment_intent_id": ids("pi_"),
                "amount": 5_000_000,
                "amount_refunded": 0,
                "currency": "usd",
                "created": created + 2 * HOUR,
                "status": "failed" if not livemode else "pending",
                "paid": False,
                "captured": False,
                "refunded": False,
                "failure_code": "card_declined" if not livemode else None,
                "outcome_type": "issuer_declined" if not livemode else None,
                "livemode": livemode,
                "_fivetran_synced": created + 3 * HOUR,
                "_fivetran_deleted": False,
            }
        )


# connector column types: integers with gaps as Int64, flags as booleans, times as naive
_INT_COLUMNS = {
    "balance",
    "quantity",
    "unit_amount",
    "amount",
    "recurring_interval_count",
    "interval_count",
    "trial_period_days",
    "total",
    "subtotal",
    "amount_due",
    "amount_paid",
    "amount_remaining",
    "attempt_count",
    "amount_refunded",
    "days_until_due",
    "evidence_details_submission_count",
}
_BOOL_PREFIXES = ("is_", "_fivetran_active", "_fivetran_deleted", "livemode")
_BOOL_COLUMNS = {
    "delinquent",
    "active",
    "paid",
    "attempted",
    "captured",
    "refunded",
    "cancel_at_period_end",
    "evidence_details_has_evidence",
    "evidence_details_past_due",
}
_TIME_COLUMNS = {
    "created",
    "date",
    "due_date",
    "start_date",
    "billing_cycle_anchor",
    "current_period_start",
    "current_period_end",
    "cancel_at",
    "canceled_at",
    "ended_at",
    "next_payment_attempt",
    "evidence_details_due_by",
    "_fivetran_synced",
    "_fivetran_start",
    "_fivetran_end",
}


def _typed(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with the types the connector lands (see loader.load_tables)."""
    out = frame.copy()
    for column in out.columns:
        if column in _INT_COLUMNS:
            out[column] = pd.array(
                [None if v is None or pd.isna(v) else int(v) for v in out[column]], dtype="Int64"
            )
        elif column in _BOOL_COLUMNS or column.startswith(_BOOL_PREFIXES):
            out[column] = pd.array(
                [None if v is None or pd.isna(v) else bool(v) for v in out[column]],
                dtype="boolean",
            )
        elif column in _TIME_COLUMNS or column.startswith("status_transitions_"):
            out[column] = pd.to_datetime(out[column])
        else:
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


# ---------------------------------------------------------------- the contract equivalent


def _change_type(before: _State, after: _State) -> str:
    """The adapter's rule: only the quantity changed -> seat_change; else by the MRR."""
    if before.plan == after.plan and before.seats != after.seats:
        return "seat_change"
    return "downgrade" if after.mrr_minor < before.mrr_minor else "upgrade"


def equivalent(frames: Mapping[str, pd.DataFrame], ctx: LandingContext) -> dict[str, pd.DataFrame]:
    book = _book(frames)
    # a row takes the tenant of the CRM account its customer maps to
    tenant = book.accounts.set_index("account_id")["org_id"].to_dict()
    # every customer carries its account's CRM id, or the domain of a live account with a
    # domain of its own: the identity map gives each row its own account back (an account the
    # CRM does not have stays unmatched, and its rows are quarantined either way)

    def rounded(values: pd.Series, currency: pd.Series) -> pd.Series:
        return pd.Series(
            [_major(_minor(v, c), c) for v, c in zip(values, currency, strict=True)],
            index=values.index,
            dtype="float64",
        )

    def seconds(values: pd.Series) -> pd.Series:
        return values.dt.floor("s")

    # subscriptions: the current state, loaded when the last version started
    subs = book.subscriptions.copy()
    entries = [book.history[s] for s in subs["subscription_id"]]
    subs["_loaded_at"] = pd.to_datetime([e.last_version for e in entries]).tz_localize("UTC")
    subs["cancelled_at"] = pd.to_datetime([e.ended for e in entries]).tz_localize("UTC")
    subs["mrr_amount"] = rounded(subs["mrr_amount"], subs["currency"])
    subs["started_at"] = seconds(subs["started_at"])

    # plan changes: derived from the item versions
    rows = []
    for sid, entry in book.history.items():
        sub = entry.row
        for before, after in zip(entry.states, entry.states[1:], strict=False):
            if (before.seats, before.mrr_minor, before.plan) == (
                after.seats,
                after.mrr_minor,
                after.plan,
            ):
                continue
            changed = after.start.tz_localize("UTC")
            rows.append(
                {
                    "change_id": after.change["change_id"]
                    if after.change is not None
                    else f"{sid}@{after.start.isoformat()}",
                    "subscription_id": sid,
                    "account_id": sub["account_id"],
                    "change_type": _change_type(before, after),
                    "seats_before": before.seats,
                    "seats_after": after.seats,
                    "mrr_before": _major(before.mrr_minor, sub["currency"]),
                    "mrr_after": _major(after.mrr_minor, sub["currency"]),
                    "currency": sub["currency"],
                    "changed_at": changed,
                    "org_id": tenant.get(sub["account_id"]),
                    "_loaded_at": changed,
                    "_is_deleted": False,
                }
            )
    template = frames["billing.plan_changes"]
    changes = pd.DataFrame(rows, columns=list(template.columns))
    for column in template.columns:
        if column in ("changed_at", "_loaded_at"):
            changes[column] = pd.to_datetime(changes[column], utc=True)
        elif column in ("seats_before", "seats_after"):
            changes[column] = changes[column].astype("int64")
        elif column in ("mrr_before", "mrr_after"):
            changes[column] = changes[column].astype("float64")
        elif column == "_is_deleted":
            changes[column] = changes[column].astype(bool)

    invoices = book.invoices.copy()
    invoices["amount"] = rounded(invoices["amount"], invoices["currency"])
    invoices["_loaded_at"] = seconds(invoices["_loaded_at"])

    payments = book.payments.copy()
    payments["amount"] = rounded(payments["amount"], payments["currency"])
    payments["attempted_at"] = seconds(payments["attempted_at"])
    payments["_loaded_at"] = seconds(payments["_loaded_at"])

    disputes = book.disputes.copy()
    payment_of = book.payments.set_index("payment_id")
    disputes["amount"] = rounded(disputes["amount"], disputes["currency"])
    disputes["opened_at"] = seconds(disputes["opened_at"])
    disputes["_loaded_at"] = seconds(disputes["_loaded_at"])
    statuses = [
        DISPUTE_STATUS.get((t, s), s)
        for t, s in zip(disputes["dispute_type"], disputes["status"], strict=True)
    ]
    disputes["dispute_type"] = [
        "dispute" if str(s).startswith("warning") else "chargeback" for s in statuses
    ]
    disputes["status"] = [
        {"warning_closed": "won", "won": "won", "lost": "lost"}.get(s, "open") for s in statuses
    ]
    payment = disputes["dispute_id"].map(book.dispute_payment)
    disputes["invoice_id"] = [
        payment_of.loc[p, "invoice_id"] if p is not None else None for p in payment
    ]
    disputes["account_id"] = [
        payment_of.loc[p, "account_id"] if p is not None else None for p in payment
    ]
    for frame in (subs, invoices, payments, disputes):
        frame["org_id"] = frame["account_id"].map(lambda a: tenant.get(a))
    return {
        "billing.subscriptions": subs,
        "billing.plan_changes": changes,
        "billing.invoices": invoices,
        "billing.payments": payments,
        "billing.disputes": disputes,
    }
