"""What the raw schemas hold, compared with the contract: tables, rows, columns and their types.

Everything here is a read: ``information_schema.columns`` for the columns and their types, and
one aggregate query per table for its row count, the blanks in required columns (and in a few
watched optional ones) and the text values that do not parse as the contract's type. The
parse test is the one staging applies (``macros/staging/parse_value.sql``): DuckDB's
``try_cast``, and on Postgres the same regular expressions as the ``postgres__try_cast_text``
macro.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from customer_health import contract
from customer_health.warehouse import Warehouse

SAMPLES = 5  # values and keys shown per problem

#: The warehouse's type names (lowercased, without length or precision) by contract kind.
TYPE_KINDS: dict[str, str] = {
    "varchar": "text",
    "text": "text",
    "character varying": "text",
    "character": "text",
    "string": "text",
    "bigint": "integer",
    "integer": "integer",
    "smallint": "integer",
    "int": "integer",
    "hugeint": "integer",
    "double": "numeric",
    "double precision": "numeric",
    "real": "numeric",
    "float": "numeric",
    "numeric": "numeric",
    "decimal": "numeric",
    "boolean": "boolean",
    "date": "date",
    "timestamp with time zone": "timestamp",
    "timestamp without time zone": "timestamp",
    "timestamp": "timestamp",
    "timestamptz": "timestamp",
}

#: Contract kind -> the warehouse kinds staging can cast from without help.
COMPATIBLE: dict[str, set[str]] = {
    "text": {"text", "integer", "numeric", "boolean", "date", "timestamp"},
    "integer": {"integer", "numeric"},
    "numeric": {"integer", "numeric"},
    "boolean": {"boolean", "integer"},
    "date": {"date", "timestamp"},
    "timestamp": {"timestamp", "date"},
}

PARSED_KINDS = ("integer", "numeric", "date", "timestamp")

#: Optional columns whose blanks are still worth a warning (the factor they feed reads them).
WATCHED_BLANKS = {("product", "events", "user_id")}

_PG_DATE = "[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_PG_PATTERNS = {
    "integer": "^[+-]?[0-9]{1,18}$",
    "numeric": "^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]{1,3})?$",
    "date": f"^{_PG_DATE}$",
    "timestamp": f"^{_PG_DATE}"
    "([ T]"
    "([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?)?[ ]?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$",
}
_DUCK_TYPES = {"integer": "bigint", "numeric": "double", "date": "date", "timestamp": "timestamptz"}


def as_int(value: Any) -> int:
    """An aggregate's value as an int (a sum over no rows is null)."""
    try:
        return 0 if value is None or value != value else int(value)
    except TypeError:  # pandas.NA
        return 0


def kind_of(data_type: str) -> str:
    """The contract kind of a warehouse type name ('character varying(20)' -> 'text')."""
    name = data_type.lower().split("(")[0].strip()
    return TYPE_KINDS.get(name, name)


def parses(engine: str, column: str, kind: str) -> str:
    """SQL: true when the text ``column`` parses as ``kind`` the way staging reads it."""
    value = f"trim({column})"
    if engine == "duckdb":
        return f"try_cast(nullif({value}, '') as {_DUCK_TYPES[kind]}) is not null"
    check = f"{value} ~ '{_PG_PATTERNS[kind]}'"
    if kind not in ("date", "timestamp"):
        return check
    # as the macro: a date matching the shape must also exist (no 31 April)
    last_day = (
        f"extract(day from (make_date(cast(substr({value}, 1, 4) as integer), "
        f"cast(substr({value}, 6, 2) as integer), 1) + interval '1 month' - interval '1 day'))"
    )
    return (
        f"(case when {check} then cast(substr({value}, 9, 2) as integer) <= {last_day} "
        "else false end)"
    )


def filled(column: str, kind: str) -> str:
    """SQL: true when the value is there (text: not blank)."""
    if kind == "text":
        return f"nullif(trim({column}), '') is not null"
    return f"{column} is not null"


@dataclass
class TypeProblem:
    column: str
    expected: str  # contract kind
    found: str  # warehouse type
    blocking: bool
    filled_rows: int = 0
    unparseable_rows: int = 0
    samples: list[str] = field(default_factory=list)

    @property
    def unparseable_share(self) -> float:
        return self.unparseable_rows / self.filled_rows if self.filled_rows else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "expected": self.expected,
            "found": self.found,
            "blocking": self.blocking,
            "filled_rows": self.filled_rows,
            "unparseable_rows": self.unparseable_rows,
            "unparseable_share": round(self.unparseable_share, 4),
            "samples": self.samples,
        }


@dataclass
class TableReport:
    table: str  # "crm.accounts"
    relation: str  # "raw_crm.accounts" (or the schema a var points at)
    found: bool
    rows: int = 0
    live_rows: int = 0  # rows not soft-deleted
    present: dict[str, str] = field(default_factory=dict)  # column -> warehouse type
    missing_required: list[str] = field(default_factory=list)
    missing_optional: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    type_problems: list[TypeProblem] = field(default_factory=list)
    blanks: dict[str, int] = field(default_factory=dict)  # column -> blank rows

    @property
    def empty(self) -> bool:
        return self.found and self.rows == 0

    def has(self, column: str) -> bool:
        return column in self.present

    def is_text(self, column: str) -> bool:
        return kind_of(self.present.get(column, "")) == "text"

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "relation": self.relation,
            "found": self.found,
            "rows": self.rows,
            "rows_not_deleted": self.live_rows,
            "empty": self.empty,
            "columns_found": sorted(self.present),
            "missing_required_columns": self.missing_required,
            "missing_optional_columns": self.missing_optional,
            "extra_columns": self.extra,
            "type_problems": [p.to_dict() for p in self.type_problems],
            "blank_values": {
                column: {"rows": rows, "share": round(rows / self.rows, 4) if self.rows else 0.0}
                for column, rows in self.blanks.items()
            },
        }


def _columns(wh: Warehouse, schemas: dict[str, str]) -> dict[str, dict[str, str]]:
    names = ", ".join(f"'{s}'" for s in sorted(set(schemas.values())))
    frame = wh.query_df(
        "select table_schema, table_name, column_name, data_type "
        f"from information_schema.columns where table_schema in ({names})"
    )
    out: dict[str, dict[str, str]] = {}
    for row in frame.itertuples(index=False):
        rel = f"{row.table_schema}.{row.table_name}".lower()
        out.setdefault(rel, {})[str(row.column_name).lower()] = str(row.data_type)
    return out


def inspect_table(
    wh: Warehouse, t: contract.Table, relation: str, present: dict[str, str]
) -> TableReport:
    """Compare one raw table with its contract entry."""
    report = TableReport(f"{t.source}.{t.name}", relation, found=bool(present), present=present)
    if not present:
        return report
    known = set(t.column_names)
    report.missing_required = [
        c.name for c in t.all_columns if c.required and c.name not in present
    ]
    report.missing_optional = [
        c.name for c in t.all_columns if not c.required and c.name not in present
    ]
    report.extra = sorted(c for c in present if c not in known)

    parts = ["count(*) as n"]
    if "_is_deleted" in present:
        deleted = "cast(_is_deleted as boolean)" if report.is_text("_is_deleted") else "_is_deleted"
        parts.append(f"sum(case when coalesce({deleted}, false) then 0 else 1 end) as live_rows")
    to_parse: list[TypeProblem] = []
    for c in t.all_columns:
        if c.name not in present:
            continue
        found = kind_of(present[c.name])
        if c.required or (t.source, t.name, c.name) in WATCHED_BLANKS:
            check = filled(c.name, found)
            parts.append(f"sum(case when {check} then 0 else 1 end) as blank__{c.name}")
        if found == c.type or found in COMPATIBLE.get(c.type, set()):
            continue
        if found == "text" and c.type in PARSED_KINDS:
            problem = TypeProblem(c.name, c.type, present[c.name], blocking=False)
            to_parse.append(problem)
            parts.append(
                f"sum(case when {filled(c.name, 'text')} then 1 else 0 end) as f__{c.name}"
            )
            parts.append(
                f"sum(case when {filled(c.name, 'text')} and not "
                f"({parses(wh.engine, c.name, c.type)}) then 1 else 0 end) as u__{c.name}"
            )
        else:
            report.type_problems.append(TypeProblem(c.name, c.type, present[c.name], blocking=True))
    row = wh.query_df(f"select {', '.join(parts)} from {relation}").iloc[0]
    report.rows = as_int(row["n"])
    report.live_rows = as_int(row["live_rows"]) if "live_rows" in row else report.rows
    for c in t.all_columns:
        if f"blank__{c.name}" in row and as_int(row[f"blank__{c.name}"]):
            report.blanks[c.name] = as_int(row[f"blank__{c.name}"])
    for problem in to_parse:
        problem.filled_rows = as_int(row[f"f__{problem.column}"])
        problem.unparseable_rows = as_int(row[f"u__{problem.column}"])
        if problem.unparseable_rows:
            samples = wh.query_df(
                f"select distinct {problem.column} as v from {relation} "
                f"where {filled(problem.column, 'text')} and not "
                f"({parses(wh.engine, problem.column, problem.expected)}) "
                f"order by 1 limit {SAMPLES}"
            )
            problem.samples = [str(v) for v in samples["v"]]
            report.type_problems.append(problem)
    return report


def inspect_tables(
    wh: Warehouse, schemas: dict[str, str], progress: Any = None
) -> list[TableReport]:
    """One :class:`TableReport` per contract table, in contract order."""
    columns = _columns(wh, schemas)
    reports = []
    for t in contract.TABLES:
        relation = f"{schemas[t.source]}.{t.name}"
        reports.append(inspect_table(wh, t, relation, columns.get(relation.lower(), {})))
        if progress is not None:
            progress()
    return reports


def utc_date(engine: str, column: str, found_type: str) -> str:
    """SQL: the UTC date of a raw date or timestamp column, null where a text value does not
    parse (as staging reads it: ``to_utc`` then the date)."""
    kind = kind_of(found_type)
    if kind == "date":
        return column
    if kind == "timestamp":
        if "without" in found_type.lower() or found_type.lower().strip() == "timestamp":
            return f"cast({column} as date)"  # a naive timestamp is taken as UTC
        return f"cast(({column} at time zone 'UTC') as date)"
    if kind == "text":
        if engine == "duckdb":
            parsed = f"try_cast(nullif(trim({column}), '') as timestamptz)"
            return f"cast(({parsed} at time zone 'UTC') as date)"
        return (
            f"case when {parses(engine, column, 'timestamp')} then "
            f"cast((cast(trim({column}) as timestamptz) at time zone 'UTC') as date) end"
        )
    return "cast(null as date)"
