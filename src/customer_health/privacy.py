"""GDPR: erase an account or a contact from the warehouse, and export what it holds about one.

Which tables: every base table in the project's schemas, found through ``information_schema``
(so a table added later is covered without a change here). The project's schemas are those of
its dbt sources, models, snapshots, seeds and tests, read from the manifest (``dbt parse``), so
raw schemas moved with vars are followed. Views (staging) hold nothing: they recompute.

What erasure does, table by table (``docs/security.md`` has the reasoning):

* **Raw tables of the contract.** An account: its rows (every table keyed or filtered by
  ``account_id``) are deleted, and references to it from other accounts' rows
  (``parent_account_id``) are set to null. A contact: its rows in ``contacts`` (every version)
  are deleted; the account's business records that name it (``activities.contact_id``,
  ``tickets.requester_id``) are kept with the reference set to null, and the free text the
  person wrote (``tickets.subject``) is set to null too. Erasing an account erases its contacts.
* **Tables dbt rebuilds (intermediate, marts, calibration, quarantine...).** Any row with a
  text column that holds the id, one of the contacts' ids, emails or phones, or equals one of
  their email/phone hashes, is deleted. The next build recomputes them from the cleaned raw
  tables, so deleting too much here costs nothing lasting.
* **Snapshots, seeds, and tables the project does not know.** Nothing recomputes them, so only
  rows with a text column *equal* to the account's or a contact's id are deleted (a reference
  column such as ``parent_account_id`` is set to null instead). Emails and phones are not ids
  (people share phone numbers), so they match nothing here. A seed that held the id would come
  back from its CSV on the next build: the result says so.

An export takes, from every table, the rows with a text column equal to one of those ids.

Everything runs in one transaction: an error leaves the warehouse as it was. A dry run does the
same work and rolls it back, so its counts are exact.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from customer_health import contract
from customer_health import dbt as dbt_runner
from customer_health.warehouse import Warehouse

ACCOUNT = "account"
CONTACT = "contact"
KINDS = (ACCOUNT, CONTACT)

TEXT_TYPES = ("text", "varchar", "character varying", "character", "char", "string", "bpchar")
# Contract columns that hold a contact id besides contact_id itself.
CONTACT_COLUMNS = frozenset({"contact_id", "requester_id"})
# Free text written by the person a contract column refers to: cleared with the reference.
PERSON_TEXT: dict[tuple[str, str], tuple[str, ...]] = {("support", "tickets"): ("subject",)}
# Values shorter than this are matched exactly, never as a substring of a longer text.
MIN_CONTAINED_LENGTH = 6

RAW, MODEL, KEPT = "raw", "model", "kept"  # how a table is treated; see the module docstring


class PrivacyError(RuntimeError):
    """Erasure or export cannot proceed; ``hint`` says what to do next."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


class NotFound(PrivacyError):
    """No table of the project holds the id."""


def is_contact_column(name: str) -> bool:
    name = name.lower()
    return name in CONTACT_COLUMNS or name.endswith("_contact_id")


def is_account_reference(name: str) -> bool:
    """A column pointing at another account (parent_account_id): cleared, never a reason to
    delete the row that holds it."""
    name = name.lower()
    return name.endswith("_account_id")


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    columns: tuple[str, ...]  # as the warehouse spells them
    text_columns: tuple[str, ...]
    kind: str  # RAW, MODEL or KEPT
    contract_table: contract.Table | None = None
    seed: bool = False

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def sql(self) -> str:
        return f"{_ident(self.schema)}.{_ident(self.name)}"


@dataclass
class Subject:
    """Who is erased or exported, and every value that identifies them."""

    kind: str
    id: str
    account_ids: set[str] = field(default_factory=set)
    contact_ids: set[str] = field(default_factory=set)
    personal_values: set[str] = field(default_factory=set)  # raw emails, phones
    hashes: set[str] = field(default_factory=set)  # their hashes, as staging computes them


@dataclass(frozen=True)
class Change:
    table: str
    action: str  # "deleted" or "cleared"
    rows: int
    columns: tuple[str, ...] = ()


@dataclass
class Erasure:
    subject: Subject
    changes: list[Change]
    dry_run: bool
    warnings: list[str]

    @property
    def rows(self) -> int:
        return sum(c.rows for c in self.changes)


@dataclass
class Export:
    subject: Subject
    path: Path
    row_counts: dict[str, int]


# ------------------------------------------------------------------------------- SQL helpers


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in(column: str, values: Iterable[str], text: bool = True) -> str:
    values = sorted(values)
    if not values:
        return "1 = 0"
    expr = _ident(column) if text else f"cast({_ident(column)} as varchar)"
    return f"{expr} in ({', '.join(_literal(v) for v in values)})"


def _contains(column: str, values: Iterable[str]) -> list[str]:
    out = []
    for value in sorted(values):
        escaped = value.replace("!", "!!").replace("%", "!%").replace("_", "!_")
        out.append(f"{_ident(column)} like {_literal('%' + escaped + '%')} escape '!'")
    return out


def _or(terms: list[str]) -> str:
    return "(" + " or ".join(terms) + ")" if terms else "1 = 0"


class _Session:
    """One connection, one transaction, on either engine."""

    def __init__(self, wh: Warehouse, con: Any) -> None:
        self.wh = wh
        self.con = con

    def query(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        if self.wh.engine == "duckdb":
            result = self.con.execute(sql)
            return [d[0] for d in result.description], result.fetchall()
        with self.con.cursor() as cur:
            cur.execute(sql)
            return [d[0] for d in cur.description], cur.fetchall()

    def scalar(self, sql: str) -> Any:
        return self.query(sql)[1][0][0]

    def execute(self, sql: str) -> None:
        if self.wh.engine == "duckdb":
            self.con.execute(sql)
        else:
            with self.con.cursor() as cur:
                cur.execute(sql)


@contextmanager
def _transaction(wh: Warehouse, commit: bool) -> Iterator[_Session]:
    """A session whose changes are committed on success when ``commit``, else rolled back."""
    check_warehouse(wh)
    with wh.connect() as con:
        session = _Session(wh, con)
        if wh.engine == "duckdb":
            con.execute("begin transaction")
        try:
            yield session
        except BaseException:
            con.rollback()
            raise
        if commit:
            con.commit()
        else:
            con.rollback()


def check_warehouse(wh: Warehouse) -> None:
    """Fail with a hint when there is no warehouse to talk to (never create an empty one)."""
    if wh.engine == "duckdb":
        if wh.duckdb_path is None or not Path(wh.duckdb_path).exists():
            raise PrivacyError(
                f"no DuckDB warehouse at {wh.duckdb_path}",
                "point CUSTOMER_HEALTH_DUCKDB_PATH at the warehouse file (or --target postgres)",
            )
    try:
        wh.query_df("select 1 as ok")
    except Exception as exc:
        raise PrivacyError(
            f"cannot connect to {wh.describe()}: {exc}",
            "check CUSTOMER_HEALTH_PG_HOST/PORT/USER/PASSWORD/DBNAME and that the server is running"
            if wh.engine == "postgres"
            else f"check that {wh.duckdb_path} is not open in another process (a dbt build)",
        ) from exc


# ------------------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class Layout:
    """What the dbt project says about the warehouse's schemas and relations."""

    raw: dict[tuple[str, str], contract.Table | None]  # (schema, table) of each source
    models: frozenset[tuple[str, str]]  # tables dbt rebuilds
    seeds: frozenset[tuple[str, str]]
    schemas: frozenset[str]


def project_layout(wh: Warehouse) -> Layout:
    """The project's relations, from the dbt manifest (``dbt parse``; it reads no data)."""
    try:
        manifest = dbt_runner.run(["parse"], wh, quiet=True).result
    except dbt_runner.DbtError as exc:
        raise PrivacyError(
            f"could not read the dbt project: {exc}",
            f"run from the project checkout (or set CUSTOMER_HEALTH_PROJECT_DIR); "
            f"`dbt parse` must succeed in {dbt_runner.project_dir()}",
        ) from exc
    raw: dict[tuple[str, str], contract.Table | None] = {}
    for source in manifest.sources.values():
        try:
            table: contract.Table | None = contract.table(source.source_name, source.name)
        except KeyError:
            table = None
        raw[(source.schema.lower(), source.identifier.lower())] = table
    models, seeds, schemas = set(), set(), {schema for schema, _ in raw}
    for node in manifest.nodes.values():
        kind = str(getattr(node.resource_type, "value", node.resource_type))
        if kind not in ("model", "snapshot", "seed", "test"):
            continue
        schemas.add(node.schema.lower())
        name = (node.schema.lower(), (node.alias or node.name).lower())
        if kind == "model":
            models.add(name)
        elif kind == "seed":
            seeds.add(name)
    return Layout(raw, frozenset(models), frozenset(seeds), frozenset(schemas))


def _tables(session: _Session, layout: Layout, views: bool = False) -> list[Table]:
    schemas = ", ".join(_literal(s) for s in sorted(layout.schemas))
    kinds = "('BASE TABLE', 'VIEW')" if views else "('BASE TABLE')"
    _, rows = session.query(
        "select t.table_schema, t.table_name, c.column_name, c.data_type "
        "from information_schema.tables as t "
        "inner join information_schema.columns as c "
        "on c.table_catalog = t.table_catalog and c.table_schema = t.table_schema "
        "and c.table_name = t.table_name "
        "where t.table_catalog = current_database() "
        f"and lower(t.table_schema) in ({schemas}) and t.table_type in {kinds} "
        "order by t.table_schema, t.table_name, c.ordinal_position"
    )
    columns: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, name, column, data_type in rows:
        columns.setdefault((schema, name), []).append((column, str(data_type).lower()))
    out = []
    for (schema, name), cols in columns.items():
        key = (schema.lower(), name.lower())
        if key in layout.raw:
            kind, contract_table = RAW, layout.raw[key]
        elif key in layout.models:
            kind, contract_table = MODEL, None
        else:
            kind, contract_table = KEPT, None
        out.append(
            Table(
                schema=schema,
                name=name,
                columns=tuple(c for c, _ in cols),
                text_columns=tuple(c for c, t in cols if t.split("(")[0].strip() in TEXT_TYPES),
                kind=kind,
                contract_table=contract_table,
                seed=key in layout.seeds,
            )
        )
    out.sort(key=lambda t: ((RAW, MODEL, KEPT).index(t.kind), t.label))
    return out


def _col(table: Table, name: str) -> str | None:
    """The column's real name (case as stored) if the table has it."""
    for column in table.columns:
        if column.lower() == name:
            return column
    return None


def _is_text(table: Table, column: str) -> bool:
    return column in table.text_columns


def _resolve(
    session: _Session, tables: list[Table], relations: list[Table], kind: str, id_: str
) -> Subject:
    """Every value that identifies the subject: for an account, its contacts too."""
    subject = Subject(kind=kind, id=id_)
    if kind == ACCOUNT:
        subject.account_ids.add(id_)
        for table in tables:
            account = _col(table, "account_id")
            if table.kind != RAW or account is None:
                continue
            for column in table.columns:
                if is_contact_column(column):
                    _, rows = session.query(
                        f"select distinct {_ident(column)} from {table.sql} "
                        f"where {_in(account, [id_], _is_text(table, account))} "
                        f"and {_ident(column)} is not null"
                    )
                    subject.contact_ids.update(str(r[0]) for r in rows)
    else:
        subject.contact_ids.add(id_)
    if not subject.contact_ids:
        return subject
    for table in tables:  # the raw personal values: contract columns marked PII
        if table.kind == RAW and table.contract_table is not None:
            pii = [
                _col(table, c.name)
                for c in table.contract_table.all_columns
                if "PII" in c.description
            ]
            subject.personal_values |= _contact_values(
                session, table, [c for c in pii if c], subject
            )
    for relation in relations:  # hashes, as staging computes them (views included)
        hashes = [c for c in relation.columns if c.lower().endswith("_hash")]
        subject.hashes |= _contact_values(session, relation, hashes, subject)
    return subject


def _contact_values(
    session: _Session, table: Table, columns: list[str], subject: Subject
) -> set[str]:
    """The values of ``columns`` in the table's rows that belong to the subject's contacts."""
    keys = [c for c in table.columns if is_contact_column(c)]
    if not columns or not keys:
        return set()
    where = _or([_in(k, subject.contact_ids, _is_text(table, k)) for k in keys])
    _, rows = session.query(
        f"select {', '.join(map(_ident, columns))} from {table.sql} where {where}"
    )
    return {str(v) for row in rows for v in row if v not in (None, "")}


# ------------------------------------------------------------------------------- predicates


def _matches(table: Table, subject: Subject, rebuildable: bool) -> str:
    """Rows that hold the subject in a text column (reference columns such as
    parent_account_id aside). In a table dbt rebuilds: any of its ids, emails or phones, also
    inside a longer text, or one of its hashes. Elsewhere (snapshots, seeds, unknown tables,
    and for an export): one of its ids as the whole value. Emails and phones are not ids: two
    people can share a phone number, and only a rebuild makes a wrong match harmless."""
    ids = subject.account_ids | subject.contact_ids
    if rebuildable:
        long = {v for v in ids | subject.personal_values if len(v) >= MIN_CONTAINED_LENGTH}
        exact = (ids | subject.personal_values | subject.hashes) - long
    else:
        long, exact = set(), ids
    terms = []
    for column in table.columns:
        if is_account_reference(column):
            continue
        text = _is_text(table, column)
        if text:
            terms += _contains(column, long)
            terms.append(_in(column, exact))
        elif column.lower() == "account_id" or is_contact_column(column):
            terms.append(_in(column, ids, text=False))
    return _or([t for t in terms if t != "1 = 0"])


def _plan(table: Table, subject: Subject) -> list[tuple[str, str, tuple[str, ...]]]:
    """(action, where, columns to clear) steps for one table, deletes first."""
    steps: list[tuple[str, str, tuple[str, ...]]] = []
    contract_table = table.contract_table
    if table.kind == RAW and contract_table is not None:
        account = _col(table, "account_id")
        if account and subject.account_ids:
            steps.append(
                ("delete", _in(account, subject.account_ids, _is_text(table, account)), ())
            )
        keyed = [
            c for c in (_col(table, k) for k in contract_table.key if is_contact_column(k)) if c
        ]
        for column in keyed:
            steps.append(("delete", _in(column, subject.contact_ids, _is_text(table, column)), ()))
        person_text = tuple(
            c
            for c in (
                _col(table, name)
                for name in PERSON_TEXT.get((contract_table.source, contract_table.name), ())
            )
            if c
        )
        for column in table.columns:
            if is_contact_column(column) and column not in keyed:
                where = _in(column, subject.contact_ids, _is_text(table, column))
                steps.append(("clear", where, (column, *person_text)))
    else:
        where = _matches(table, subject, rebuildable=table.kind == MODEL)
        if where != "1 = 0":
            steps.append(("delete", where, ()))
    for column in table.columns:
        if is_account_reference(column) and subject.account_ids:
            steps.append(
                ("clear", _in(column, subject.account_ids, _is_text(table, column)), (column,))
            )
    return [s for s in steps if s[1] != "1 = 0"]


# ------------------------------------------------------------------------------- erase / export


def erase(wh: Warehouse, kind: str, id_: str, dry_run: bool = False) -> Erasure:
    """Erase an account or a contact from every table of the project (see the module doc)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    layout = project_layout(wh)
    with _transaction(wh, commit=not dry_run) as session:
        tables = _tables(session, layout)
        if not any(t.kind == RAW for t in tables):
            raise PrivacyError(
                f"no raw tables in {wh.describe()}",
                "load data first (`customer-health demo-data`, or your connectors), or check "
                "--target",
            )
        subject = _resolve(session, tables, _tables(session, layout, views=True), kind, id_)
        changes: list[Change] = []
        warnings: list[str] = []
        for table in tables:
            for action, where, columns in _plan(table, subject):
                rows = int(session.scalar(f"select count(*) from {table.sql} where {where}"))
                if not rows:
                    continue
                if action == "delete":
                    session.execute(f"delete from {table.sql} where {where}")
                    changes.append(Change(table.label, "deleted", rows))
                else:
                    sets = ", ".join(f"{_ident(c)} = null" for c in columns)
                    session.execute(f"update {table.sql} set {sets} where {where}")
                    changes.append(Change(table.label, "cleared", rows, columns))
                if table.seed:
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
    return Erasure(subject, changes, dry_run, warnings)


def export(wh: Warehouse, kind: str, id_: str, output: Path) -> Export:
    """Write every row the project holds about an account or a contact to a JSON file."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    layout = project_layout(wh)
    with _transaction(wh, commit=False) as session:
        tables = _tables(session, layout)
        subject = _resolve(session, tables, _tables(session, layout, views=True), kind, id_)
        found: dict[str, list[dict[str, Any]]] = {}
        for table in tables:
            where = _matches(table, subject, rebuildable=False)
            if where == "1 = 0":
                continue
            columns, rows = session.query(f"select * from {table.sql} where {where}")
            if rows:
                found[table.label] = [
                    {c: _jsonable(v) for c, v in zip(columns, row, strict=True)} for row in rows
                ]
    if not found:
        raise NotFound(
            f"no table in {wh.describe()} holds {kind} {id_!r}",
            "check the id (ids are case-sensitive; see raw_crm.accounts / raw_crm.contacts)",
        )
    document = {
        "subject": {"kind": kind, "id": id_},
        "contacts": sorted(subject.contact_ids),
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "warehouse": wh.describe(),
        "row_counts": {name: len(rows) for name, rows in found.items()},
        "tables": found,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    return Export(subject, output, document["row_counts"])


def _jsonable(value: Any) -> Any:
    from customer_health.quality import jsonable

    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return jsonable(value)


def default_export_path(kind: str, id_: str) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in id_)
    return dbt_runner.project_dir() / "reports" / "exports" / f"{kind}_{safe}.json"
