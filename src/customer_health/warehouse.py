"""Connections to the warehouse the dbt profile points at (DuckDB or Postgres).

Settings come from the same environment variables as ``profiles.example.yml``, so the CLI, the
loader and dbt always talk to the same database.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

ENGINES = ("duckdb", "postgres")


def duckdb_settings(path: Path) -> dict[str, Any]:
    """The DuckDB settings of profiles.example.yml, from the same environment variables: a
    memory limit (4GB unless CUSTOMER_HEALTH_DUCKDB_MEMORY_LIMIT says otherwise), threads, and
    the directory it spills to beyond the limit."""
    env = os.environ.get
    return {
        "memory_limit": env("CUSTOMER_HEALTH_DUCKDB_MEMORY_LIMIT", "4GB"),
        "threads": int(env("CUSTOMER_HEALTH_DUCKDB_THREADS", "2")),
        "temp_directory": env("CUSTOMER_HEALTH_DUCKDB_TEMP_DIR", f"{path}.tmp"),
        "preserve_insertion_order": False,
    }


@dataclass(frozen=True)
class Warehouse:
    engine: str
    duckdb_path: Path | None = None
    pg_host: str = "localhost"
    pg_port: int = 5432
    pg_user: str = "postgres"
    pg_password: str = ""
    pg_dbname: str = "customer_health"

    @classmethod
    def from_env(cls, target: str | None = None) -> Warehouse:
        engine = target or os.environ.get("CUSTOMER_HEALTH_TARGET", "duckdb")
        if engine not in ENGINES:
            raise ValueError(f"unknown target {engine!r}: use one of {', '.join(ENGINES)}")
        env = os.environ.get
        return cls(
            engine=engine,
            duckdb_path=Path(env("CUSTOMER_HEALTH_DUCKDB_PATH", "data/warehouse.duckdb")),
            pg_host=env("CUSTOMER_HEALTH_PG_HOST", "localhost"),
            pg_port=int(env("CUSTOMER_HEALTH_PG_PORT", "5432")),
            pg_user=env("CUSTOMER_HEALTH_PG_USER", "postgres"),
            pg_password=env("CUSTOMER_HEALTH_PG_PASSWORD", ""),
            pg_dbname=env("CUSTOMER_HEALTH_PG_DBNAME", "customer_health"),
        )

    def env(self) -> dict[str, str]:
        """Environment variables that point dbt's profile at this warehouse."""
        out = {"CUSTOMER_HEALTH_TARGET": self.engine}
        if self.engine == "duckdb":
            out["CUSTOMER_HEALTH_DUCKDB_PATH"] = str(self.duckdb_path)
        elif self.engine == "spark":
            # dbt only; the profile reads CUSTOMER_HEALTH_SPARK_* (docs/spark.md)
            pass
        else:
            out.update(
                CUSTOMER_HEALTH_PG_HOST=self.pg_host,
                CUSTOMER_HEALTH_PG_PORT=str(self.pg_port),
                CUSTOMER_HEALTH_PG_USER=self.pg_user,
                CUSTOMER_HEALTH_PG_PASSWORD=self.pg_password,
                CUSTOMER_HEALTH_PG_DBNAME=self.pg_dbname,
            )
        return out

    def describe(self) -> str:
        if self.engine == "duckdb":
            return f"DuckDB file {self.duckdb_path}"
        if self.engine == "spark":
            return "Spark (session mode, docs/spark.md)"
        return f"Postgres {self.pg_user}@{self.pg_host}:{self.pg_port}/{self.pg_dbname}"

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A DB-API connection (duckdb or psycopg2), closed on exit, committed on success."""
        if self.engine == "duckdb":
            import duckdb

            assert self.duckdb_path is not None
            self.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
            try:
                con = duckdb.connect(
                    str(self.duckdb_path), config=duckdb_settings(self.duckdb_path)
                )
            except duckdb.ConnectionException:
                # the file is already open in this process (dbt-duckdb runs in-process, with
                # the profile's settings): share that instance and its settings
                con = duckdb.connect(str(self.duckdb_path))
            try:
                yield con
            finally:
                con.close()
        else:
            import psycopg2

            con = psycopg2.connect(
                host=self.pg_host,
                port=self.pg_port,
                user=self.pg_user,
                password=self.pg_password,
                dbname=self.pg_dbname,
            )
            try:
                yield con
                con.commit()
            except BaseException:
                con.rollback()
                raise
            finally:
                con.close()

    def query_df(self, sql: str) -> pd.DataFrame:
        with self.connect() as con:
            return self.frame(con, sql)

    def frame(self, con: Any, sql: str) -> pd.DataFrame:
        """A query's rows on an open connection (:meth:`connect`): many queries on one
        connection spare a connection each (opening a DuckDB file reads its whole catalog)."""
        if self.engine == "duckdb":
            return con.execute(sql).df()
        cur = con.cursor()
        cur.execute(sql)
        cols = [d[0] for d in cur.description]
        return pd.DataFrame(cur.fetchall(), columns=cols)

    def execute(self, *statements: str) -> None:
        with self.connect() as con:
            cur = con.cursor()
            for statement in statements:
                cur.execute(statement)

    def copy_dataframe(self, con: Any, schema: str, table: str, frame: pd.DataFrame) -> None:
        """Append a dataframe to an existing table: DuckDB's native scan, or Postgres COPY."""
        if frame.empty:
            return
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        if self.engine == "duckdb":
            con.register("_incoming", frame)
            con.execute(f"insert into {schema}.{table} ({cols}) select {cols} from _incoming")
            con.unregister("_incoming")
        else:
            buf = io.StringIO()
            frame.to_csv(buf, index=False, header=False, na_rep="\\N")
            buf.seek(0)
            cur = con.cursor()
            cur.copy_expert(
                f"copy {schema}.{table} ({cols}) from stdin with (format csv, null '\\N')", buf
            )
