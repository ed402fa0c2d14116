"""Erase an account or a contact: delete, clear references, redact mentions, then make sure
neither the database files nor the planner's statistics nor the project's reports keep it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from customer_health.privacy import discovery, files, mentions
from customer_health.privacy.discovery import KINDS, MODEL, RAW, Subject, Table
from customer_health.privacy.sql import (
    NotFound,
    PrivacyError,
    Session,
    any_of,
    contains,
    ident,
    transaction,
)
from customer_health.privacy.sql import in_ as sql_in
from customer_health.warehouse import Warehouse

# Free text written by the person a contract column refers to: cleared with the reference.
PERSON_TEXT: dict[tuple[str, str], tuple[str, ...]] = {("support", "tickets"): ("subject",)}
# Values shorter than this are matched exactly, never as a substring of a longer text.
MIN_CONTAINED_LENGTH = 6


@dataclass(frozen=True)
class Change:
    table: str
    action: str  # "deleted", "cleared" or "redacted"
    rows: int
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Maintenance:
    """What was run after the commit so that nothing on disk or in the statistics keeps it."""

    statement: str  # "vacuum (analyze)" or "checkpoint"
    tables: tuple[str, ...]  # the tables it ran on (all of the database for a checkpoint)
    messages: tuple[str, ...] = ()  # what the server said (a table it could not vacuum)


@dataclass
class Erasure:
    subject: Subject
    changes: list[Change]
    dry_run: bool
    warnings: list[str]
    maintenance: Maintenance | None = None
    files: list[files.FileChange] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(c.rows for c in self.changes)


# ------------------------------------------------------------------------------- predicates


def matches(table: Table, subject: Subject, rebuildable: bool) -> str:
    """Rows that hold the subject in a text column (reference columns such as
    parent_account_id aside). In a table dbt rebuilds: any of its ids, emails or phones, also
    inside a longer text, or one of its hashes. Elsewhere (snapshots, seeds, unknown tables,
    and for an export): one of its ids as the whole value. Emails and phones are not ids: two
    people can share a phone number, and only a rebuild makes a wrong match harmless."""
    ids = subject.ids
    if rebuildable:
        long = {v for v in ids | subject.personal_values if len(v) >= MIN_CONTAINED_LENGTH}
        exact = (ids | subject.personal_values | subject.hashes) - long
    else:
        long, exact = set(), ids
    terms = []
    for column in table.columns:
        if discovery.is_account_reference(column):
            continue
        if table.is_text(column):
            terms += contains(column, long)
            terms.append(sql_in(column, exact))
        elif column.lower() == "account_id" or discovery.is_contact_column(column):
            terms.append(sql_in(column, ids, text=False))
    return any_of([t for t in terms if t != "1 = 0"])


def _plan(table: Table, subject: Subject) -> list[tuple[str, str, tuple[str, ...]]]:
    """(action, where, columns to clear) steps for one table, deletes first."""
    steps: list[tuple[str, str, tuple[str, ...]]] = []
    contract_table = table.contract_table
    if table.kind == RAW and contract_table is not None:
        account = table.col("account_id")
        if account and subject.account_ids:
            steps.append(
                ("delete", sql_in(account, subject.account_ids, table.is_text(account)), ())
            )
        keyed = [
            c
            for c in (table.col(k) for k in contract_table.key if discovery.is_contact_column(k))
            if c
        ]
        for column in keyed:
            where = sql_in(column, subject.contact_ids, table.is_text(column))
            steps.append(("delete", where, ()))
        person_text = tuple(
            c
            for c in (
                table.col(name)
                for name in PERSON_TEXT.get((contract_table.source, contract_table.name), ())
            )
            if c
        )
        for column in table.columns:
            if discovery.is_contact_column(column) and column not in keyed:
                where = sql_in(column, subject.contact_ids, table.is_text(column))
                steps.append(("clear", where, (column, *person_text)))
    else:
        where = matches(table, subject, rebuildable=table.kind == MODEL)
        if where != "1 = 0":
            steps.append(("delete", where, ()))
    for column in table.columns:
        if discovery.is_account_reference(column) and subject.account_ids:
            where = sql_in(column, subject.account_ids, table.is_text(column))
            steps.append(("clear", where, (column,)))
    return [s for s in steps if s[1] != "1 = 0"]


def _row_ids(session: Session, table: Table, where: str) -> set[str]:
    """The ids in the raw rows about to be deleted with an account (its invoices, payments,
    tickets, events, users...): a report can list them, and they go from the reports too."""
    columns = [
        c
        for c in table.text_columns
        if c.lower().endswith("_id")
        and c.lower() != "org_id"
        and not discovery.is_account_reference(c)
    ]
    return discovery.distinct_values(session, table, columns, where)


# ------------------------------------------------------------------------------- erase


def erase(
    wh: Warehouse,
    kind: str,
    id_: str,
    dry_run: bool = False,
    names: tuple[str, ...] = (),
    report_dirs: Iterable[Path] = (),
) -> Erasure:
    """Erase an account or a contact from every table of the project and from the files under
    ``report_dirs`` (see the package doc)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    layout = discovery.project_layout(wh)
    with transaction(wh, commit=not dry_run) as session:
        tables = discovery.tables(session, layout)
        if not any(t.kind == RAW for t in tables):
            raise PrivacyError(
                f"no raw tables in {wh.describe()}",
                "load data first (`customer-health demo-data`, or your connectors), or check "
                "--target",
            )
        relations = discovery.tables(session, layout, views=True)
        subject = discovery.resolve(session, tables, relations, kind, id_, names)
        needles = mentions.Needles.of(subject)
        changes: list[Change] = []
        warnings: list[str] = []
        for table in tables:
            changed = False
            for action, where, columns in _plan(table, subject):
                rows = int(session.scalar(f"select count(*) from {table.sql} where {where}"))
                if not rows:
                    continue
                changed = True
                if action == "delete":
                    if table.kind == RAW and subject.account_ids:
                        subject.row_ids |= _row_ids(session, table, where)
                    session.execute(f"delete from {table.sql} where {where}")
                    changes.append(Change(table.label, "deleted", rows))
                else:
                    sets = ", ".join(f"{ident(c)} = null" for c in columns)
                    session.execute(f"update {table.sql} set {sets} where {where}")
                    changes.append(Change(table.label, "cleared", rows, columns))
            for column, rows in mentions.redact_table(session, table, needles).items():
                changed = True
                changes.append(Change(table.label, "redacted", rows, (column,)))
            if changed and table.seed:
                warnings.append(
                    f"seed {table.label} held it: the next build reloads it from "
                    f"seeds/{table.name}.csv; remove it there too"
                )
        if not changes:
            raise NotFound(
                f"no table in {wh.describe()} holds {kind} {id_!r}",
                "check the id (ids are case-sensitive; see raw_crm.accounts / raw_crm.contacts); "
                "if it was erased already, there is nothing left to do",
            )
    subject.row_ids -= subject.ids
    result = Erasure(subject, changes, dry_run, warnings)
    if not dry_run:
        touched = {c.table for c in changes}
        result.maintenance = maintain(wh, [t for t in tables if t.label in touched])
    redactor = files.FileRedactor(subject.ids | subject.row_ids | subject.hashes, needles)
    result.files = files.redact_files(report_dirs, redactor, dry_run)
    return result


def maintain(wh: Warehouse, tables: list[Table]) -> Maintenance:
    """After the commit: on Postgres, ``vacuum (analyze)`` each table changed, so that the
    deleted row versions are removed and ``pg_stats`` (most common values, histograms) is
    recomputed without the erased values; on DuckDB a ``checkpoint``, which writes the changes
    into the database file and empties the write-ahead log that held the old rows."""
    if wh.engine == "duckdb":
        wh.execute("checkpoint")
        return Maintenance("checkpoint", ())
    with wh.connect() as con:
        con.autocommit = True  # vacuum cannot run inside a transaction block
        with con.cursor() as cur:
            for table in tables:
                cur.execute(f"vacuum (analyze) {table.sql}")
        messages = tuple(n.strip() for n in con.notices)
    return Maintenance("vacuum (analyze)", tuple(t.label for t in tables), messages)
