"""A small clean demo book with every kind of bad input of docs/bad_input.md planted in it.

Each planted row is a copy of a real row of the same table with a few columns overridden (SQL
expressions, so the same statements run on DuckDB and Postgres). Keys start with ``BAD-`` so
the tests can find them. :data:`QUARANTINED` lists, per case, the raw table, the record key and
the reason code the build must give it; the other cases are checked one by one in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from customer_health import contract
from customer_health.warehouse import Warehouse

#: A book small enough to build in well under a minute on either engine.
BOOK = {"accounts": 40, "days": 150, "seed": 5}

#: The text every text column must carry through unchanged (after trimming).
AWKWARD_TEXT = (
    'O\'Brien & "Sons"\nLtd \u2014 \u00dcn\u00efc\u00f8d\u00e9 \u682a\u5f0f\u4f1a\u793e \U0001f680'
)

#: The same instant written in three time zones (08:00 UTC on 2026-03-01).
SAME_INSTANT = ("2026-03-01T10:00:00+02:00", "2026-03-01 08:00:00Z", "2026-03-01 03:00:00-05:00")


@dataclass(frozen=True)
class Quarantined:
    kind: str  # the kind's heading in docs/bad_input.md
    raw_table: str
    record_key: str
    reason: str


QUARANTINED: tuple[Quarantined, ...] = tuple(
    Quarantined(*case)
    for case in (
        ("conflicting duplicate", "product.events", "BAD-EV-CONFLICT", "conflicting_duplicate"),
        ("unknown account", "product.events", "BAD-EV-UNKNOWN", "unknown_account"),
        ("unknown account", "support.tickets", "BAD-TK-UNKNOWN", "unknown_account"),
        ("missing account id", "support.tickets", "BAD-TK-NOACCOUNT", "missing_account_id"),
        ("negative amount", "billing.invoices", "BAD-INV-NEGATIVE", "negative_amount"),
        ("absurd amount", "billing.payments", "BAD-PAY-HUGE", "absurd_amount"),
        ("timestamp in the future", "product.events", "BAD-EV-FUTURE", "timestamp_after_load"),
        ("timestamp before 1990", "product.events", "BAD-EV-1970", "timestamp_before_1990"),
        ("unparseable number", "billing.invoices", "BAD-INV-NA", "unparseable_number"),
        ("unparseable number", "billing.invoices", "BAD-INV-COMMA", "unparseable_number"),
        ("unparseable date", "billing.invoices", "BAD-INV-FEB30", "unparseable_date"),
        ("unparseable date", "billing.invoices", "BAD-INV-DMY", "unparseable_date"),
        ("unparseable date", "crm.activities", "BAD-ACT-WORDS", "unparseable_date"),
        ("unknown currency", "billing.invoices", "BAD-INV-XYZ", "unknown_currency"),
        ("invoice paid before issued", "billing.invoices", "BAD-INV-PAID", "paid_before_issued"),
        (
            "ticket solved before created",
            "support.tickets",
            "BAD-TK-SOLVED",
            "solved_before_created",
        ),
        (
            "ticket solved before created",
            "support.tickets",
            "BAD-TK-RESPONDED",
            "responded_before_created",
        ),
        ("out-of-range value", "support.tickets", "BAD-TK-CSAT", "value_out_of_range"),
        (
            "missing required value",
            "product.events",
            "BAD-EV-NOFEATURE",
            "missing_required_value",
        ),
        (
            "missing required value",
            "support.tickets",
            "BAD-TK-NOSTATUS",
            "missing_required_value",
        ),
        ("unknown reference", "billing.payments", "BAD-PAY-NOINVOICE", "unknown_reference"),
    )
)

#: Rows with a null optional column: staged with the null, never quarantined (raw table, key
#: column, key, staged column that must be null).
OPTIONAL_NULLS: tuple[tuple[str, str, str, str], ...] = (
    ("product.events", "event_id", "BAD-EV-NOUSER", "user_id"),
    ("product.features", "feature_key", "BAD-FT-NOKEY", "is_key_feature"),
    ("crm.contracts", "contract_id", "BAD-K-NODATES", "end_date"),
    ("crm.contracts", "contract_id", "BAD-K-NODATES", "renewal_date"),
    ("crm.opportunities", "opportunity_id", "BAD-OP-NOAMOUNT", "amount_local"),
)

#: Activity dated before its account was created (a trial): staged, flagged, counted.
BEFORE_CREATED: tuple[tuple[str, str, str], ...] = (
    ("product.events", "event_id", "BAD-EV-TRIAL"),
    ("support.tickets", "ticket_id", "BAD-TK-TRIAL"),
    ("crm.activities", "activity_id", "BAD-ACT-TRIAL"),
)

#: Optional columns dropped from the raw tables (a table created before they were added to
#: the contract), and a column the contract does not know, added to one.
ABSENT_OPTIONAL = (("crm.accounts", "account_status"), ("crm.accounts", "churn_date"))
EXTRA_COLUMN = ("product.events", "favourite_colour")


def _rel(table: str) -> str:
    source, name = table.split(".")
    return f"raw_{source}.{name}"


def clone(table: str, where: str, **overrides: str) -> str:
    """An insert of a copy of one row of ``table`` (the first matching ``where``), with
    ``overrides`` (column -> SQL expression over the copied row) applied."""
    t = contract.table(*table.split("."))
    cols = t.column_names
    select = ", ".join(f"{overrides.get(c, c)}" for c in cols)
    rel = _rel(table)
    order = ", ".join(t.key)
    # never copy a planted row, nor one without a key
    genuine = " and ".join(f"trim(cast({k} as varchar)) not like 'BAD-%'" for k in t.key)
    return (
        f"insert into {rel} ({', '.join(cols)}) select {select} "
        f"from (select * from {rel} where {where} and {genuine} order by {order} limit 1) as t"
    )


def text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def ts(value: str) -> str:
    return f"cast({text(value)} as timestamp with time zone)"


@dataclass(frozen=True)
class Planted:
    """The accounts the planted rows use."""

    template: str  # a live account whose rows are copied
    deleted: str  # soft-deleted during the book, with activity before and after
    renamed: str  # gets a new version with AWKWARD_TEXT as its name
    zero_seats: str  # gets a seat count of 0 while active
    deleted_at: str  # when the deletion of `deleted` was loaded (ISO, UTC)


def plant(wh: Warehouse) -> Planted:
    """Plant every case in a freshly loaded (not yet built) book."""
    # accounts active from the start of the book to its end, and whose CRM row has no version
    # in the last 60 days: the one soft-deleted below has activity before and after its
    # deletion, and the deletion stays its latest version
    accounts = wh.query_df(
        """
        with bounds as (
            select min(occurred_at) as first_event, max(occurred_at) as last_event
            from raw_product.events
        ),
        activity as (
            select account_id, min(occurred_at) as first_event, max(occurred_at) as last_event
            from raw_product.events group by account_id
        ),
        versions as (
            select account_id, max(_loaded_at) as latest_version,
                   max(case when coalesce(_is_deleted, false) then 1 else 0 end) as deleted
            from raw_crm.accounts group by account_id
        )
        select activity.account_id
        from activity
        inner join versions on activity.account_id = versions.account_id
        cross join bounds
        where versions.deleted = 0
            and activity.first_event < bounds.first_event + interval '30 days'
            and activity.last_event >= bounds.last_event - interval '30 days'
            and versions.latest_version < bounds.last_event - interval '60 days'
        order by activity.account_id
        """
    )["account_id"].tolist()
    template, deleted, renamed, zero_seats = accounts[:4]
    last = pd.Timestamp(
        wh.query_df("select max(occurred_at) as t from raw_product.events").iloc[0, 0]
    )
    last = last.tz_convert("UTC") if last.tzinfo else last
    # the deletion is the account's latest version (the CRM may have written later versions of
    # the row, e.g. a status change), and activity follows it
    latest = pd.Timestamp(
        wh.query_df(
            f"select max(_loaded_at) as t from raw_crm.accounts where account_id = {text(deleted)}"
        ).iloc[0, 0]
    )
    latest = latest.tz_convert("UTC") if latest.tzinfo else latest
    deleted_at = max(last - pd.Timedelta(days=40), latest + pd.Timedelta(hours=1)).strftime(
        "%Y-%m-%d %H:%M:%S+00"
    )
    acct = f"account_id = {text(template)}"
    created = f"select created_date from raw_crm.accounts where {acct} limit 1"
    ev = "product.events"
    tk = "support.tickets"
    inv = "billing.invoices"
    statements = [
        # text columns that should hold numbers and dates (a CSV landed as text)
        "alter table raw_billing.invoices alter column amount type varchar",
        "alter table raw_billing.invoices alter column issued_date type varchar",
        "alter table raw_crm.activities alter column occurred_at type varchar",
        # null, empty and blank keys: quarantined together as one missing_key row of 3 versions
        clone(ev, acct, event_id="null"),
        clone(ev, acct, event_id="''"),
        clone(ev, acct, event_id="'   '"),
        # identical copies of a key loaded twice: the latest is staged, the copy counted
        clone(ev, acct, event_id="'BAD-EV-DUP'"),
        clone(ev, acct, event_id="'BAD-EV-DUP'", _loaded_at=f"_loaded_at + {_interval(wh, 1)}"),
        # two versions loaded at the same instant with different content
        clone(ev, acct, event_id="'BAD-EV-CONFLICT'", user_id="'U-ONE'"),
        clone(ev, acct, event_id="'BAD-EV-CONFLICT'", user_id="'U-TWO'"),
        clone(ev, acct, event_id="'BAD-EV-UNKNOWN'", account_id="'NO-SUCH-ACCOUNT'"),
        clone(ev, acct, event_id="'BAD-EV-FUTURE'", occurred_at=ts("2099-06-01 00:00:00+00")),
        clone(ev, acct, event_id="'BAD-EV-1970'", occurred_at=ts("1970-01-01 00:00:00+00")),
        clone(tk, acct, ticket_id="'BAD-TK-UNKNOWN'", account_id="'NO-SUCH-ACCOUNT'"),
        clone(tk, acct, ticket_id="'BAD-TK-NOACCOUNT'", account_id="null"),
        clone(
            tk,
            acct + " and solved_at is not null",
            ticket_id="'BAD-TK-SOLVED'",
            solved_at=f"created_at - {_interval(wh, 24)}",
        ),
        clone(
            tk,
            acct,
            ticket_id="'BAD-TK-RESPONDED'",
            first_response_at=f"created_at - {_interval(wh, 1)}",
        ),
        clone(tk, acct, ticket_id="'BAD-TK-CSAT'", csat_score="9"),
        clone(tk, acct, ticket_id="'BAD-TK-TEXT'", subject=text(AWKWARD_TEXT)),
        # invoices: amount and issued_date are text now
        clone(inv, acct, invoice_id="'BAD-INV-NEGATIVE'", amount="'-500'"),
        clone(inv, acct, invoice_id="'BAD-INV-NA'", amount="'N/A'"),
        clone(inv, acct, invoice_id="'BAD-INV-COMMA'", amount="'1.234,50'"),
        clone(inv, acct, invoice_id="'BAD-INV-TEXT-OK'", amount="'  1200.50 '"),
        clone(inv, acct, invoice_id="'BAD-INV-FEB30'", issued_date="'2026-02-30'"),
        clone(inv, acct, invoice_id="'BAD-INV-DMY'", issued_date="'31/01/2026'"),
        clone(inv, acct, invoice_id="'BAD-INV-XYZ'", currency="'XYZ'"),
        clone(
            inv,
            "paid_date is not null",
            invoice_id="'BAD-INV-PAID'",
            paid_date=f"cast(cast(issued_date as date) - {_interval(wh, 24 * 5)} as date)",
        ),
        # a later version of an invoice with other content: the latest wins
        clone(inv, acct, invoice_id="'BAD-INV-V2'", status="'open'"),
        clone(
            inv,
            acct,
            invoice_id="'BAD-INV-V2'",
            status="'paid'",
            _loaded_at=f"_loaded_at + {_interval(wh, 2)}",
        ),
        clone("billing.payments", "true", payment_id="'BAD-PAY-HUGE'", amount="1e12"),
        # a required value left empty, and a parent that does not exist
        clone(ev, acct, event_id="'BAD-EV-NOFEATURE'", feature_key="null"),
        clone(tk, acct, ticket_id="'BAD-TK-NOSTATUS'", status="null"),
        clone(
            "billing.payments",
            "true",
            payment_id="'BAD-PAY-NOINVOICE'",
            invoice_id="'NO-SUCH-INVOICE'",
        ),
        # optional columns left empty: staged with the null
        clone(ev, acct, event_id="'BAD-EV-NOUSER'", user_id="null"),
        clone("product.features", "true", feature_key="'BAD-FT-NOKEY'", is_key_feature="null"),
        clone(
            "crm.contracts",
            acct,
            contract_id="'BAD-K-NODATES'",
            end_date="null",
            renewal_date="null",
        ),
        clone("crm.opportunities", acct, opportunity_id="'BAD-OP-NOAMOUNT'", amount="null"),
        # a requester who is a product user, not a CRM contact
        clone(
            tk,
            acct,
            ticket_id="'BAD-TK-USER'",
            requester_id=f"(select min(user_id) from raw_product.events where {acct})",
        ),
        # a trial: activity before the account was created
        *[
            clone(
                table,
                acct,
                **{
                    key: text(value),
                    column: f"cast(cast(({created}) as date) - {_interval(wh, 24 * 30)} "
                    "as timestamp with time zone)",
                },
            )
            for table, key, value, column in (
                ("product.events", "event_id", "BAD-EV-TRIAL", "occurred_at"),
                ("support.tickets", "ticket_id", "BAD-TK-TRIAL", "created_at"),
                ("crm.activities", "activity_id", "BAD-ACT-TRIAL", "occurred_at"),
            )
        ],
        # the same instant in three time zones, and words instead of a timestamp
        *[
            clone(
                "crm.activities",
                acct,
                activity_id=f"'BAD-ACT-TZ{i}'",
                occurred_at=text(value),
                _loaded_at=ts("2026-03-02 00:00:00+00"),
            )
            for i, value in enumerate(SAME_INSTANT, start=1)
        ],
        clone("crm.activities", acct, activity_id="'BAD-ACT-WORDS'", occurred_at="'yesterday'"),
        # an account soft-deleted during the book: activity after the deletion is quarantined
        clone(
            "crm.accounts",
            f"account_id = {text(deleted)}",
            _is_deleted="true",
            _loaded_at=ts(deleted_at),
        ),
        # an account renamed with quotes, a newline and Unicode
        clone(
            "crm.accounts",
            f"account_id = {text(renamed)}",
            account_name=text("  " + AWKWARD_TEXT + "  "),
            _loaded_at=f"_loaded_at + {_interval(wh, 1)}",
        ),
        # a seat count of 0 for an account that is still using the product
        clone(
            "product.seats",
            f"account_id = {text(zero_seats)}",
            effective_date="cast('2026-01-01' as date)",
            licensed_seats="0",
        ),
        # a source table with no rows at all (no disputes this period)
        "delete from raw_billing.disputes",
        # optional columns the table never had, and a column the contract does not know
        *[f"alter table {_rel(table)} drop column {column}" for table, column in ABSENT_OPTIONAL],
        f"alter table {_rel(EXTRA_COLUMN[0])} add column {EXTRA_COLUMN[1]} varchar",
        f"update {_rel(EXTRA_COLUMN[0])} set {EXTRA_COLUMN[1]} = 'teal'",
    ]
    wh.execute(*statements)
    return Planted(template, deleted, renamed, zero_seats, deleted_at)


def _interval(wh: Warehouse, hours: int) -> str:
    return f"interval '{hours} hours'"
