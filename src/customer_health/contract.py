"""The raw source contract: the tables users land their data into.

This module is the single source of truth for the raw layer. The demo generator writes exactly
these columns, ``docs/source_contract.md`` documents them, and the dbt sources yml declares them;
``tests/python/test_contract.py`` checks that all three agree.

Types use a small portable vocabulary (``text``, ``integer``, ``numeric``, ``boolean``, ``date``,
``timestamp``); :data:`SQL_TYPES` maps them to each engine. ``timestamp`` columns are timestamps
with a time zone (or naive timestamps taken as UTC); staging converts every one of them to UTC.

Every table also carries three housekeeping columns (see :data:`HOUSEKEEPING`): ``org_id`` (the
optional tenant), ``_loaded_at`` (when the connector landed the row; the latest one wins) and
``_is_deleted`` (a soft delete, kept as a flag downstream, never dropped).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    example: str
    required: bool = True


@dataclass(frozen=True)
class Table:
    source: str  # crm | product | support | billing
    name: str
    key: tuple[str, ...]
    description: str
    columns: tuple[Column, ...]
    housekeeping: tuple[Column, ...] = field(default=())

    @property
    def schema(self) -> str:
        return f"raw_{self.source}"

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return self.columns + HOUSEKEEPING

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.all_columns]


SQL_TYPES: dict[str, dict[str, str]] = {
    "duckdb": {
        "text": "varchar",
        "integer": "bigint",
        "numeric": "double",
        "boolean": "boolean",
        "date": "date",
        "timestamp": "timestamptz",
    },
    "postgres": {
        "text": "text",
        "integer": "bigint",
        "numeric": "double precision",
        "boolean": "boolean",
        "date": "date",
        "timestamp": "timestamptz",
    },
    # Spark's timestamp is an instant shown in the session time zone (UTC in the profile)
    "spark": {
        "text": "string",
        "integer": "bigint",
        "numeric": "double",
        "boolean": "boolean",
        "date": "date",
        "timestamp": "timestamp",
    },
}

HOUSEKEEPING: tuple[Column, ...] = (
    Column(
        "org_id",
        "text",
        "Tenant (organisation) the row belongs to. Leave empty for a single tenant.",
        "acme",
        required=False,
    ),
    Column(
        "_loaded_at",
        "timestamp",
        "When the connector landed this version of the row. The latest version of each key wins.",
        "2026-09-30 02:14:00+00",
    ),
    Column(
        "_is_deleted",
        "boolean",
        "Soft delete from the source system. Kept as a flag downstream.",
        "false",
        required=False,
    ),
)

C = Column

TABLES: tuple[Table, ...] = (
    # ---------------------------------------------------------------- CRM
    Table(
        "crm",
        "accounts",
        ("account_id",),
        "One row per customer account (company).",
        (
            C("account_id", "text", "Account identifier in the CRM.", "A000123"),
            C("account_name", "text", "Company name.", "Northwind Traders"),
            C(
                "segment",
                "text",
                "enterprise, mid_market or smb (case and spacing are normalised).",
                "mid_market",
            ),
            C("industry", "text", "Industry.", "software", required=False),
            C("region", "text", "Sales region.", "emea", required=False),
            C(
                "owner_csm",
                "text",
                "Customer success manager who owns the account.",
                "Dana Whitfield",
                required=False,
            ),
            C(
                "parent_account_id",
                "text",
                "Parent account for subsidiaries.",
                "A000042",
                required=False,
            ),
            C("created_date", "date", "When the account became a customer.", "2024-02-11"),
            C(
                "account_status",
                "text",
                "The CRM's own word on the relationship: active (or customer) or churned (or "
                "former_customer, cancelled). Leave empty if the CRM has no such field.",
                "churned",
                required=False,
            ),
            C(
                "churn_date",
                "date",
                "When the CRM recorded the account as lost. An explicit churn record: it ends the "
                "account's paying episode (see docs/lifecycle.md).",
                "2026-03-01",
                required=False,
            ),
            C(
                "website",
                "text",
                "The company's website or email domain. Connectors' billing, support and product "
                "records are matched to the account by it when they carry no CRM id (see "
                "docs/connectors.md).",
                "https://www.northwind.example",
                required=False,
            ),
        ),
    ),
    Table(
        "crm",
        "contacts",
        ("contact_id",),
        "People at customer accounts.",
        (
            C("contact_id", "text", "Contact identifier.", "C0001234"),
            C("account_id", "text", "Account the contact works for.", "A000123"),
            C("role", "text", "sponsor, champion, admin or user.", "champion"),
            C(
                "email",
                "text",
                "Email address. PII: hashed in staging, never passed on.",
                "jo@northwind.example",
                required=False,
            ),
            C(
                "phone",
                "text",
                "Phone number. PII: hashed in staging, never passed on.",
                "+44 20 7946 0000",
                required=False,
            ),
            C("active_from", "date", "First day the contact held this role.", "2024-02-11"),
            C(
                "active_to",
                "date",
                "Last day in the role (empty while still active). A champion with "
                "an active_to has left.",
                "2025-06-30",
                required=False,
            ),
        ),
    ),
    Table(
        "crm",
        "activities",
        ("activity_id",),
        "Meetings, calls and emails with the account.",
        (
            C("activity_id", "text", "Activity identifier.", "ACT00012345"),
            C("account_id", "text", "Account.", "A000123"),
            C(
                "contact_id",
                "text",
                "Customer contact involved, if any.",
                "C0001234",
                required=False,
            ),
            C("activity_type", "text", "meeting, call or email.", "meeting"),
            C(
                "outcome",
                "text",
                "held, cancelled or no_show for meetings; completed for calls and emails.",
                "held",
            ),
            C(
                "occurred_at",
                "timestamp",
                "When the activity happened (or was scheduled).",
                "2026-09-14 15:00:00+02",
            ),
        ),
    ),
    Table(
        "crm",
        "sentiment",
        ("sentiment_id",),
        "CSM sentiment entries, and CSM overrides of the computed tier.",
        (
            C("sentiment_id", "text", "Entry identifier.", "S000456"),
            C("account_id", "text", "Account.", "A000123"),
            C("author", "text", "CSM who wrote the entry.", "Dana Whitfield"),
            C(
                "sentiment_score",
                "integer",
                "1 (very negative) to 5 (very positive). Give this or rag.",
                "2",
                required=False,
            ),
            C(
                "rag",
                "text",
                "red, amber or green. Give this or sentiment_score.",
                "amber",
                required=False,
            ),
            C("note", "text", "Free text.", "Sponsor is evaluating alternatives.", required=False),
            C("recorded_at", "timestamp", "When the entry was written.", "2026-09-20 09:30:00+00"),
            C(
                "override_tier",
                "text",
                "healthy, at_risk or critical: the CSM overrides the computed "
                "tier until override_expires_at.",
                "at_risk",
                required=False,
            ),
            C(
                "override_expires_at",
                "timestamp",
                "When the override stops applying.",
                "2026-10-20 00:00:00+00",
                required=False,
            ),
        ),
    ),
    Table(
        "crm",
        "contracts",
        ("contract_id",),
        "Contracts and their renewal dates.",
        (
            C("contract_id", "text", "Contract identifier.", "K000789"),
            C("account_id", "text", "Account.", "A000123"),
            C("start_date", "date", "Contract start.", "2025-03-01"),
            C(
                "end_date",
                "date",
                "Contract end. Leave empty if the export has none (open-ended contracts).",
                "2026-02-28",
                required=False,
            ),
            C(
                "renewal_date",
                "date",
                "Date the renewal is due. Leave empty if the export has none: the renewal "
                "factors are then missing for the contract.",
                "2026-03-01",
                required=False,
            ),
            C("arr_amount", "numeric", "Annual recurring revenue, in currency.", "48000"),
            C("currency", "text", "ISO 4217 code.", "EUR"),
            C("status", "text", "active, renewed, churned or expired.", "active"),
        ),
    ),
    Table(
        "crm",
        "opportunities",
        ("opportunity_id",),
        "Renewal (and expansion) opportunities. A closed_lost renewal records a churn.",
        (
            C("opportunity_id", "text", "Opportunity identifier.", "O000321"),
            C("account_id", "text", "Account.", "A000123"),
            C("opportunity_type", "text", "renewal or expansion.", "renewal"),
            C("stage", "text", "open, closed_won or closed_lost.", "closed_lost"),
            C(
                "close_date",
                "date",
                "Date the opportunity closed (or is expected to).",
                "2026-03-01",
            ),
            C(
                "amount",
                "numeric",
                "Annual amount of the opportunity, in currency. Leave empty if the CRM has none.",
                "36000",
                required=False,
            ),
            C(
                "previous_amount",
                "numeric",
                "ARR before this renewal. A renewal won below it is a downgrade.",
                "48000",
                required=False,
            ),
            C("currency", "text", "ISO 4217 code.", "EUR"),
        ),
    ),
    # ------------------------------------------------------------ product
    Table(
        "product",
        "events",
        ("event_id",),
        "Product usage events, one per user action.",
        (
            C("event_id", "text", "Event identifier.", "E00000001"),
            C("account_id", "text", "Account.", "A000123"),
            C(
                "user_id",
                "text",
                "Product user (pseudonymous). Leave empty if the export is per account only: "
                "the factors that count users are then missing.",
                "U0012345",
                required=False,
            ),
            C("feature_key", "text", "Feature used; see features.", "reports"),
            C("occurred_at", "timestamp", "When the event happened.", "2026-09-29 10:04:11+00"),
        ),
    ),
    Table(
        "product",
        "features",
        ("feature_key",),
        "The list of product features.",
        (
            C("feature_key", "text", "Feature identifier.", "reports"),
            C("feature_name", "text", "Display name.", "Reports"),
            C(
                "is_key_feature",
                "boolean",
                "A key feature: its adoption measures depth of use. Leave empty if no feature "
                "is marked: the key-feature factor is then missing.",
                "true",
                required=False,
            ),
        ),
    ),
    Table(
        "product",
        "seats",
        ("account_id", "effective_date"),
        "Licensed seats per account over time (one row per change).",
        (
            C("account_id", "text", "Account.", "A000123"),
            C("effective_date", "date", "First day this seat count applies.", "2026-03-01"),
            C("licensed_seats", "integer", "Seats the customer pays for.", "40"),
        ),
    ),
    # ------------------------------------------------------------ support
    Table(
        "support",
        "tickets",
        ("ticket_id",),
        "Support tickets.",
        (
            C("ticket_id", "text", "Ticket identifier.", "T0004567"),
            C("account_id", "text", "Account.", "A000123"),
            C(
                "requester_id",
                "text",
                "Who opened the ticket: a CRM contact id (crm.contacts.contact_id) or a product "
                "user id (product.events.user_id); help desks know both.",
                "C0001234",
                required=False,
            ),
            C("priority", "text", "urgent, high, normal or low.", "high"),
            C("status", "text", "new, open, pending, solved or closed.", "solved"),
            C("created_at", "timestamp", "Opened.", "2026-09-01 08:00:00+00"),
            C(
                "first_response_at",
                "timestamp",
                "First agent response.",
                "2026-09-01 09:12:00+00",
                required=False,
            ),
            C(
                "solved_at",
                "timestamp",
                "Solved (empty while open).",
                "2026-09-02 17:40:00+00",
                required=False,
            ),
            C("reopened_count", "integer", "Times the ticket was reopened.", "0", required=False),
            C(
                "csat_score",
                "integer",
                "Satisfaction rating 1-5, if the requester answered.",
                "4",
                required=False,
            ),
            C(
                "subject",
                "text",
                "Ticket subject. Free text.",
                "Export fails on large reports",
                required=False,
            ),
        ),
    ),
    # ------------------------------------------------------------ billing
    Table(
        "billing",
        "subscriptions",
        ("subscription_id",),
        "Subscriptions to a plan.",
        (
            C("subscription_id", "text", "Subscription identifier.", "SUB000123"),
            C("account_id", "text", "Account.", "A000123"),
            C("plan", "text", "Plan name.", "business"),
            C("seats", "integer", "Seats on the subscription.", "40"),
            C("mrr_amount", "numeric", "Monthly recurring revenue, in currency.", "4000"),
            C("currency", "text", "ISO 4217 code.", "EUR"),
            C("status", "text", "active or cancelled.", "active"),
            C("started_at", "timestamp", "Start.", "2024-02-11 00:00:00+00"),
            C(
                "cancelled_at",
                "timestamp",
                "Cancellation (empty while active). Records a churn.",
                "2026-03-01 00:00:00+00",
                required=False,
            ),
        ),
    ),
    Table(
        "billing",
        "plan_changes",
        ("change_id",),
        "Upgrades, downgrades and seat changes.",
        (
            C("change_id", "text", "Change identifier.", "PC000045"),
            C("subscription_id", "text", "Subscription.", "SUB000123"),
            C("account_id", "text", "Account.", "A000123"),
            C("change_type", "text", "upgrade, downgrade or seat_change.", "downgrade"),
            C("seats_before", "integer", "Seats before.", "40"),
            C("seats_after", "integer", "Seats after.", "30"),
            C("mrr_before", "numeric", "MRR before, in currency.", "4000"),
            C("mrr_after", "numeric", "MRR after, in currency.", "3000"),
            C("currency", "text", "ISO 4217 code.", "EUR"),
            C("changed_at", "timestamp", "When the change took effect.", "2026-07-01 00:00:00+00"),
        ),
    ),
    Table(
        "billing",
        "invoices",
        ("invoice_id",),
        "Invoices.",
        (
            C("invoice_id", "text", "Invoice identifier.", "INV0001234"),
            C("account_id", "text", "Account.", "A000123"),
            C("amount", "numeric", "Invoice total, in currency.", "12000"),
            C("currency", "text", "ISO 4217 code.", "EUR"),
            C("issued_date", "date", "Issued.", "2026-08-01"),
            C("due_date", "date", "Due.", "2026-08-31"),
            C("paid_date", "date", "Paid (empty while unpaid).", "2026-09-12", required=False),
            C("status", "text", "open, paid, void or uncollectible.", "paid"),
        ),
    ),
    Table(
        "billing",
        "payments",
        ("payment_id",),
        "Payment attempts, successful or failed.",
        (
            C("payment_id", "text", "Payment attempt identifier.", "PAY0004567"),
            C("invoice_id", "text", "Invoice paid.", "INV0001234"),
            C("account_id", "text", "Account.", "A000123"),
            C("amount", "numeric", "Amount attempted, in currency.", "12000"),
            C("currency", "text", "ISO 4217 code.", "EUR"),
            C(
                "attempted_at",
                "timestamp",
                "When the payment was attempted.",
                "2026-09-12 06:00:00+00",
            ),
            C("status", "text", "succeeded or failed.", "failed"),
            C("failure_reason", "text", "Why it failed.", "card_declined", required=False),
        ),
    ),
    Table(
        "billing",
        "disputes",
        ("dispute_id",),
        "Disputed invoices and chargebacks.",
        (
            C("dispute_id", "text", "Dispute identifier.", "DSP000012"),
            C("invoice_id", "text", "Invoice disputed.", "INV0001234"),
            C("account_id", "text", "Account.", "A000123"),
            C("amount", "numeric", "Amount disputed, in currency.", "12000"),
            C("currency", "text", "ISO 4217 code.", "EUR"),
            C("dispute_type", "text", "dispute or chargeback.", "chargeback"),
            C("opened_at", "timestamp", "Opened.", "2026-09-15 00:00:00+00"),
            C("status", "text", "open, won or lost.", "open"),
        ),
    ),
)

SOURCES: tuple[str, ...] = ("crm", "product", "support", "billing")


def table(source: str, name: str) -> Table:
    for t in TABLES:
        if t.source == source and t.name == name:
            return t
    raise KeyError(f"no raw table {source}.{name} in the contract")


def ddl(t: Table, engine: str) -> str:
    """CREATE TABLE statement for a raw table on an engine (duckdb, postgres or spark)."""
    types = SQL_TYPES[engine]
    cols = ",\n    ".join(f"{c.name} {types[c.type]}" for c in t.all_columns)
    return f"create table {t.schema}.{t.name} (\n    {cols}\n)"
