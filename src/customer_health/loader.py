"""Load raw data into the warehouse: the demo generator's stream, or hand-made fixtures.

Both engines go through :meth:`Warehouse.copy_dataframe` (DuckDB's native scan of the frame, or
Postgres ``COPY ... FROM STDIN`` in CSV). Frames are first conformed to the raw source contract
(:mod:`customer_health.contract`): columns in contract order, and values in types that survive
that CSV round trip (nullable integers stay integers, naive timestamps are taken as UTC, dates
are dates).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from customer_health import contract
from customer_health.generator import DEFAULT_END_DATE, generate
from customer_health.warehouse import Warehouse

TABLE_KEYS: tuple[str, ...] = tuple(f"{t.source}.{t.name}" for t in contract.TABLES)


def _table(key: str) -> contract.Table:
    source, _, name = key.partition(".")
    try:
        return contract.table(source, name)
    except KeyError:
        raise KeyError(f"{key!r} is not a raw table: use one of {', '.join(TABLE_KEYS)}") from None


def _create(con: Any, engine: str, replace: bool) -> None:
    cur = con.cursor()
    for source in contract.SOURCES:
        schema = f"raw_{source}"
        if replace:
            cur.execute(f"drop schema if exists {schema} cascade")
        cur.execute(f"create schema if not exists {schema}")
    for t in contract.TABLES:
        sql = contract.ddl(t, engine)
        if not replace:
            sql = sql.replace("create table", "create table if not exists", 1)
        cur.execute(sql)


def create_raw_schemas(warehouse: Warehouse, replace: bool = True) -> None:
    """Create the four raw schemas and the 15 raw tables of the contract.

    With ``replace`` (the default) the schemas are dropped first (``cascade``: on Postgres this
    also drops views that depend on raw tables, such as dbt staging views; the next dbt run
    recreates them). Without it, missing schemas and tables are created and existing ones kept.
    """
    with warehouse.connect() as con:
        _create(con, warehouse.engine, replace)


# ------------------------------------------------------------------ conforming frames

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def _as_timestamp(s: pd.Series) -> pd.Series:
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s
    if pd.api.types.is_datetime64_dtype(s.dtype):
        return s.dt.tz_localize("UTC")
    if s.isna().all():
        return pd.Series(pd.NaT, index=s.index, dtype="datetime64[us, UTC]")
    # strings / datetimes, with or without offsets; naive values are taken as UTC
    return pd.to_datetime(s, utc=True, format="mixed")


def _as_date(s: pd.Series) -> pd.Series:
    values = s.dropna()
    if s.dtype == object and all(
        isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in values
    ):
        return s.astype(object).where(s.notna(), None)
    ts = pd.to_datetime(s, format="mixed") if not values.empty else pd.to_datetime(s)
    if isinstance(ts.dtype, pd.DatetimeTZDtype):
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    out = pd.Series(ts.dt.date, index=s.index, dtype=object)
    return out.where(ts.notna(), None)


def _as_integer(s: pd.Series) -> pd.Series:
    if pd.api.types.is_integer_dtype(s.dtype):
        return s
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("Int64")
    # floats (e.g. ints with NaN) or strings: must be whole numbers
    return pd.to_numeric(s).astype("Int64")


def _as_numeric(s: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(s.dtype):
        return s
    return pd.to_numeric(s).astype("float64")


def _as_boolean(s: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(s.dtype):
        return s

    def parse(v: Any) -> Any:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return pd.NA
        if isinstance(v, str):
            low = v.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError(f"not a boolean: {v!r}")
        return bool(v)

    return s.map(parse).astype("boolean")


def _as_text(s: pd.Series) -> pd.Series:
    if isinstance(s.dtype, pd.CategoricalDtype | pd.StringDtype):
        return s
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        return s
    return s.map(lambda v: v if isinstance(v, str) or pd.isna(v) else str(v)).astype(object)


_COERCE = {
    "timestamp": _as_timestamp,
    "date": _as_date,
    "integer": _as_integer,
    "numeric": _as_numeric,
    "boolean": _as_boolean,
    "text": _as_text,
}


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def conform(
    frame: pd.DataFrame, table: contract.Table, note: Callable[[str], None] = _stderr
) -> pd.DataFrame:
    """A frame with exactly the contract's columns, in order, in loadable types.

    Missing columns are filled: ``_is_deleted`` with false, ``_loaded_at`` with the current
    time, any other with nulls (an optional column may be left out; the source gate reports a
    required one left empty). Columns the contract does not know are ignored, and ``note`` is
    told which. A frame with rows but without the table's key columns raises ``ValueError``;
    a frame with no rows is an empty table, whatever its columns.
    """
    unknown = [str(c) for c in frame.columns if c not in table.column_names]
    missing_key = [k for k in table.key if k not in frame.columns] if len(frame) else []
    if missing_key:
        extra = f"; it has column(s) the contract does not know: {', '.join(unknown)}"
        raise ValueError(
            f"{table.schema}.{table.name}: the frame has no column(s) {', '.join(missing_key)} "
            "(the table's key)" + (extra if unknown else "")
        )
    if unknown:
        note(
            f"note: {table.schema}.{table.name}: ignored column(s) not in the source contract: "
            f"{', '.join(unknown)}"
        )
    n = len(frame)
    out: dict[str, pd.Series] = {}
    for col in table.all_columns:
        if col.name in frame.columns:
            s = frame[col.name].reset_index(drop=True)
        elif col.name == "_is_deleted":
            s = pd.Series(np.zeros(n, dtype=bool))
        elif col.name == "_loaded_at":
            s = pd.Series([pd.Timestamp.now(tz="UTC")] * n, dtype="datetime64[us, UTC]")
        else:
            s = pd.Series([None] * n, dtype=object)
        try:
            out[col.name] = _COERCE[col.type](s)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{table.schema}.{table.name}.{col.name} ({col.type}): {exc}") from exc
    return pd.DataFrame(out, index=pd.RangeIndex(n))


def _table_columns(con: Any, t: contract.Table) -> set[str]:
    cur = con.cursor()
    cur.execute(
        "select column_name from information_schema.columns "
        f"where table_schema = '{t.schema}' and table_name = '{t.name}'"
    )
    return {str(row[0]).lower() for row in cur.fetchall()}


def _fit_table(frame: pd.DataFrame, t: contract.Table, existing: set[str]) -> pd.DataFrame:
    """Leave out the optional columns an existing table lacks (created before they were added
    to the contract), when the frame has no values for them; otherwise say what to add."""
    absent = [c for c in t.all_columns if c.name not in existing]
    problems = [c for c in absent if c.required or frame[c.name].notna().any()]
    if problems:
        raise ValueError(
            f"{t.schema}.{t.name} has no column(s) "
            + ", ".join(f"{c.name} ({c.type})" for c in problems)
            + ": add them to the table (contract.ddl() gives every column's type), or load "
            "with replace=True to recreate the raw tables"
        )
    return frame.drop(columns=[c.name for c in absent])


def _load(
    warehouse: Warehouse,
    con: Any,
    key: str,
    frame: pd.DataFrame,
    check: bool,
    existing: set[str] | None = None,
) -> int:
    t = _table(key)
    if check:
        frame = conform(frame, t)
        if existing is not None and not set(t.column_names) <= existing:
            frame = _fit_table(frame, t, existing)
    elif list(frame.columns) != t.column_names:
        raise ValueError(f"{key}: columns {list(frame.columns)} differ from the contract")
    warehouse.copy_dataframe(con, t.schema, t.name, frame)
    return len(frame)


# ------------------------------------------------------------------ entry points


def load_frames(
    warehouse: Warehouse, frames: Mapping[str, pd.DataFrame], replace: bool = True
) -> dict[str, int]:
    """Load hand-made frames keyed by ``"source.table"`` (e.g. fixtures for tests).

    The raw schemas are (re)created first (see :func:`create_raw_schemas`); tables not in
    ``frames`` stay empty (or, with ``replace=False``, keep their rows). Frames may omit
    columns, carry extra ones (ignored, with a note) and use loose types: see :func:`conform`.
    With ``replace=False``, a table created before an optional column was added to the
    contract is loaded without it. Returns rows loaded per table.
    """
    for key in frames:
        _table(key)
    counts: dict[str, int] = {}
    with warehouse.connect() as con:
        _create(con, warehouse.engine, replace)
        for key, frame in frames.items():
            existing = None if replace else _table_columns(con, _table(key))
            counts[key] = _load(warehouse, con, key, frame, check=True, existing=existing)
    return counts


def load_chunks(
    warehouse: Warehouse, chunks: Iterable[Mapping[str, pd.DataFrame]], replace: bool = True
) -> dict[str, int]:
    """Stream chunks (as yielded by :func:`generate`) into the warehouse in one connection.

    Keys outside the raw contract (such as the generator's ``truth.*`` frames) are skipped.
    """
    counts = dict.fromkeys(TABLE_KEYS, 0)
    with warehouse.connect() as con:
        _create(con, warehouse.engine, replace)
        for chunk in chunks:
            for key, frame in chunk.items():
                if key in counts:
                    counts[key] += _load(warehouse, con, key, frame, check=False)
            del chunk  # free the chunk before the next one is generated
    return counts


def generate_and_load(
    warehouse: Warehouse,
    accounts: int = 1000,
    days: int = 730,
    seed: int = 42,
    end_date: dt.date = DEFAULT_END_DATE,
    orgs: int = 1,
    progress: bool = True,
    chunk_size: int = 2000,
) -> dict[str, int]:
    """Generate a demo book (see :func:`customer_health.generator.generate`) and load it.

    The raw schemas are dropped and recreated, then every chunk is copied in as it is made,
    inside one connection (one transaction on Postgres). Returns rows loaded per
    ``"source.table"``.
    """
    chunks = generate(
        accounts=accounts,
        days=days,
        seed=seed,
        end_date=end_date,
        chunk_size=chunk_size,
        progress=progress,
        orgs=orgs,
    )
    return load_chunks(warehouse, chunks, replace=True)


# ------------------------------------------------------------------ connector tables

_CONNECTOR_TYPES = {
    "duckdb": {
        "text": "varchar",
        "bigint": "bigint",
        "double": "double",
        "boolean": "boolean",
        "date": "date",
        "timestamp": "timestamp",
        "timestamptz": "timestamptz",
    },
    "postgres": {
        "text": "text",
        "bigint": "bigint",
        "double": "double precision",
        "boolean": "boolean",
        "date": "date",
        "timestamp": "timestamp",
        "timestamptz": "timestamptz",
    },
}


def _column_kind(s: pd.Series) -> str:
    """The warehouse type a connector column is landed as, from its pandas dtype."""
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return "timestamptz"
    if pd.api.types.is_datetime64_dtype(s.dtype):
        return "timestamp"
    if pd.api.types.is_bool_dtype(s.dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(s.dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(s.dtype):
        return "double"
    values = s.dropna()
    if not values.empty:
        if all(isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in values):
            return "date"
        if all(isinstance(v, bool | np.bool_) for v in values):
            return "boolean"
    return "text"


def load_tables(
    warehouse: Warehouse, tables: Mapping[str, pd.DataFrame], replace: bool = True
) -> dict[str, int]:
    """Load connector tables keyed ``"schema.table"`` as connectors land them: each table is
    created from its frame's dtypes (naive datetimes are ``timestamp``, as connectors land UTC
    times; tz-aware ones ``timestamptz``; date objects ``date``; anything else ``text``). With
    ``replace`` (the default) each schema is dropped first. Returns rows loaded per table."""
    types = _CONNECTOR_TYPES[warehouse.engine]
    counts: dict[str, int] = {}
    with warehouse.connect() as con:
        cur = con.cursor()
        for schema in sorted({k.partition(".")[0] for k in tables}):
            if replace:
                cur.execute(f"drop schema if exists {schema} cascade")
            cur.execute(f"create schema if not exists {schema}")
        for key, frame in tables.items():
            schema, _, name = key.partition(".")
            frame = frame.reset_index(drop=True)
            kinds = {c: _column_kind(frame[c]) for c in frame.columns}
            columns = ", ".join(f'"{c}" {types[k]}' for c, k in kinds.items())
            cur.execute(f'drop table if exists {schema}."{name}"')
            cur.execute(f'create table {schema}."{name}" ({columns})')
            out = frame.copy()
            for c, k in kinds.items():
                if k == "text":
                    out[c] = _as_text(out[c])
                elif k == "boolean":
                    out[c] = out[c].astype("boolean")
            warehouse.copy_dataframe(con, schema, f'"{name}"', out)
            counts[key] = len(frame)
    return counts


def land_and_load(
    warehouse: Warehouse,
    frames: Mapping[str, pd.DataFrame],
    shapes: Any,
    seed: int = 0,
) -> dict[str, int]:
    """Land contract ``frames`` (one per ``"source.table"``) in connector ``shapes``
    (:class:`customer_health.generator.connectors.Shapes`) and load them: the families left in
    the contract into the raw schemas, the others as their connectors land them (one schema per
    connector). Returns rows loaded per table."""
    from customer_health.generator import connectors

    landing = connectors.land(frames, shapes, seed=seed)
    counts = load_frames(warehouse, landing.contract)
    counts.update(load_tables(warehouse, landing.connector))
    return counts
