"""Which tables the project has, and every value that identifies the subject in them."""

from __future__ import annotations

from dataclasses import dataclass, field

from customer_health import contract
from customer_health import dbt as dbt_runner
from customer_health.delivery.state import SCHEMA as DELIVERY_SCHEMA
from customer_health.privacy.sql import PrivacyError, Session, any_of, ident, in_, literal
from customer_health.warehouse import Warehouse

ACCOUNT = "account"
CONTACT = "contact"
KINDS = (ACCOUNT, CONTACT)

TEXT_TYPES = ("text", "varchar", "character varying", "character", "char", "string", "bpchar")
# Contract columns that hold a contact id besides contact_id itself.
CONTACT_COLUMNS = frozenset({"contact_id", "requester_id"})

RAW, MODEL, KEPT = "raw", "model", "kept"  # how a table is treated; see the package doc


def is_contact_column(name: str) -> bool:
    name = name.lower()
    return name in CONTACT_COLUMNS or name.endswith("_contact_id")


def is_account_reference(name: str) -> bool:
    """A column pointing at another account (parent_account_id): cleared, never a reason to
    delete the row that holds it."""
    name = name.lower()
    return name.endswith("_account_id")


def is_free_text(column: contract.Column) -> bool:
    """A contract column of free text (a note, a ticket subject): anyone may have written
    anything in it, such as another person's email or phone number."""
    return column.type == "text" and "free text" in column.description.lower()


FREE_TEXT: frozenset[tuple[str, str, str]] = frozenset(
    (t.source, t.name, c.name) for t in contract.TABLES for c in t.all_columns if is_free_text(c)
)
# Contract columns that are not free text (ids, names, codes): downstream copies of them are
# not searched for mentions; any other text column of a built table may carry free text.
STRUCTURED = frozenset(
    c.name for t in contract.TABLES for c in t.all_columns if not is_free_text(c)
) - {c for _, _, c in FREE_TEXT}


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
        return f"{ident(self.schema)}.{ident(self.name)}"

    def col(self, name: str) -> str | None:
        """The column's real name (case as stored) if the table has it."""
        for column in self.columns:
            if column.lower() == name:
                return column
        return None

    def is_text(self, column: str) -> bool:
        return column in self.text_columns

    def free_text_columns(self) -> tuple[str, ...]:
        """The text columns that can mention someone: in a raw table of the contract, its
        free-text columns; elsewhere every text column but references to accounts, ids, keys,
        hashes and copies of the contract's structured columns (names, codes)."""
        if self.kind == RAW and self.contract_table is not None:
            t = self.contract_table
            names = [c.name for c in t.all_columns if (t.source, t.name, c.name) in FREE_TEXT]
            return tuple(c for c in (self.col(n) for n in names) if c)
        return tuple(
            c
            for c in self.text_columns
            if not is_account_reference(c)
            and c.lower() not in STRUCTURED
            and not c.lower().endswith(("_id", "_key", "_hash"))
        )

    def key_columns(self) -> tuple[str, ...]:
        """What names one row in an export: the contract key and the load time of a raw
        table; elsewhere its id columns and version dates."""
        if self.contract_table is not None:
            names = [*self.contract_table.key, "_loaded_at"]
        else:
            names = [
                c.lower()
                for c in self.columns
                if c.lower().endswith("_id") and c.lower() != "org_id"
            ] + ["score_date", "dbt_valid_from"]
        return tuple(c for c in (self.col(n) for n in names) if c)


@dataclass
class Subject:
    """Who is erased or exported, and every value that identifies them."""

    kind: str
    id: str
    account_ids: set[str] = field(default_factory=set)
    contact_ids: set[str] = field(default_factory=set)
    personal_values: set[str] = field(default_factory=set)  # raw emails, phones
    phones: set[str] = field(default_factory=set)  # those of personal_values that are phones
    names: set[str] = field(default_factory=set)  # the account's name, names given by the user
    hashes: set[str] = field(default_factory=set)  # their hashes, as staging computes them
    row_ids: set[str] = field(default_factory=set)  # ids of the raw rows erased with it

    @property
    def ids(self) -> set[str]:
        return self.account_ids | self.contact_ids


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
        manifest = dbt_runner.parsed_manifest(wh)
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
    schemas.add(DELIVERY_SCHEMA)  # notify's and export-scores' state: nothing rebuilds it
    return Layout(raw, frozenset(models), frozenset(seeds), frozenset(schemas))


def tables(session: Session, layout: Layout, views: bool = False) -> list[Table]:
    schemas = ", ".join(literal(s) for s in sorted(layout.schemas))
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


def resolve(
    session: Session,
    tables: list[Table],
    relations: list[Table],
    kind: str,
    id_: str,
    names: tuple[str, ...] = (),
) -> Subject:
    """Every value that identifies the subject: for an account, its name and its contacts
    too; ``names`` are the person's (or the account's) names as the user knows them."""
    subject = Subject(kind=kind, id=id_, names={n.strip() for n in names if n.strip()})
    if kind == ACCOUNT:
        subject.account_ids.add(id_)
        for table in tables:
            account = table.col("account_id")
            if table.kind != RAW or account is None:
                continue
            where = in_(account, [id_], table.is_text(account))
            if table.contract_table is not None and table.contract_table.key == ("account_id",):
                named = [c for c in table.text_columns if c.lower().endswith("_name")]
                subject.names |= distinct_values(session, table, named, where)
            for column in table.columns:
                if is_contact_column(column):
                    subject.contact_ids |= distinct_values(session, table, [column], where)
    else:
        subject.contact_ids.add(id_)
    if not subject.contact_ids:
        return subject
    for table in tables:  # the raw personal values: contract columns marked PII
        if table.kind == RAW and table.contract_table is not None:
            for column in table.contract_table.all_columns:
                real = table.col(column.name)
                if real is None or "PII" not in column.description:
                    continue
                values = _contact_values(session, table, [real], subject)
                subject.personal_values |= values
                if "phone" in column.name.lower():
                    subject.phones |= values
    for relation in relations:  # hashes, as staging computes them (views included)
        hashes = [c for c in relation.columns if c.lower().endswith("_hash")]
        subject.hashes |= _contact_values(session, relation, hashes, subject)
    return subject


def distinct_values(session: Session, table: Table, columns: list[str], where: str) -> set[str]:
    """Every value (as text, nulls and empty strings aside) of the columns in the rows kept by
    the where clause."""
    if not columns:
        return set()
    _, rows = session.query(
        f"select distinct {', '.join(map(ident, columns))} from {table.sql} where {where}"
    )
    return {str(v) for row in rows for v in row if v not in (None, "")}


def _contact_values(
    session: Session, table: Table, columns: list[str], subject: Subject
) -> set[str]:
    """The values of ``columns`` in the table's rows that belong to the subject's contacts."""
    keys = [c for c in table.columns if is_contact_column(c)]
    if not keys:
        return set()
    where = any_of([in_(k, subject.contact_ids, table.is_text(k)) for k in keys])
    return distinct_values(session, table, columns, where)
