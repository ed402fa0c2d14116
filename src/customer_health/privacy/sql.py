"""SQL text and one transaction on either engine, for erasure and export."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from customer_health.warehouse import Warehouse


class PrivacyError(RuntimeError):
    """Erasure or export cannot proceed; ``hint`` says what to do next."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


class NotFound(PrivacyError):
    """No table of the project holds the id."""


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def in_(column: str, values: Iterable[str], text: bool = True) -> str:
    values = sorted(values)
    if not values:
        return "1 = 0"
    expr = ident(column) if text else f"cast({ident(column)} as varchar)"
    return f"{expr} in ({', '.join(literal(v) for v in values)})"


def contains(column: str, values: Iterable[str]) -> list[str]:
    out = []
    for value in sorted(values):
        escaped = value.replace("!", "!!").replace("%", "!%").replace("_", "!_")
        out.append(f"{ident(column)} like {literal('%' + escaped + '%')} escape '!'")
    return out


def any_of(terms: list[str]) -> str:
    return "(" + " or ".join(terms) + ")" if terms else "1 = 0"


def regex_match(engine: str, column: str, pattern: str) -> str:
    """Case-insensitive regular expression match; ``pattern`` must use the syntax both engines
    share (RE2 for DuckDB, ARE for Postgres: no look-around, no back-references)."""
    if engine == "duckdb":
        return f"regexp_matches({ident(column)}, {literal(pattern)}, 'i')"
    return f"{ident(column)} ~* {literal(pattern)}"


class Session:
    """One connection, one transaction, on either engine."""

    def __init__(self, wh: Warehouse, con: Any) -> None:
        self.wh = wh
        self.con = con

    @property
    def engine(self) -> str:
        return self.wh.engine

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
def transaction(wh: Warehouse, commit: bool) -> Iterator[Session]:
    """A session whose changes are committed on success when ``commit``, else rolled back."""
    check_warehouse(wh)
    with wh.connect() as con:
        session = Session(wh, con)
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
