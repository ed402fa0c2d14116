"""Spark in session mode: a local SparkSession with the profile's settings, and a raw book loaded
into it as parquet tables.

This is the loading half of the Spark spike (docs/spark.md); it is not yet a :class:`Warehouse`
engine, and the CLI does not offer it. dbt-spark's ``method: session`` starts the SparkSession
inside the dbt process from the ``server_side_parameters`` of the ``spark`` output in
``profiles.example.yml``; :func:`session_conf` gives the same settings from the same
environment variables, so that the loader and dbt find the same metastore and warehouse
directory. The embedded Derby metastore admits one process at a time: load, then run dbt.

    python -m customer_health.spark load --accounts 60 --days 300 --seed 7
    python -m customer_health.spark sql "show tables in marts"
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from customer_health import contract
from customer_health.loader import conform

SCHEMAS = tuple(f"raw_{source}" for source in contract.SOURCES)


def spark_dir() -> Path:
    """Where the metastore (metastore_db/) and the tables (warehouse/) live."""
    return Path(os.environ.get("CUSTOMER_HEALTH_SPARK_DIR", "data/spark"))


def session_conf() -> dict[str, str]:
    """The SparkSession settings of the ``spark`` output in profiles.example.yml."""
    env = os.environ.get
    home = spark_dir()
    return {
        "spark.master": f"local[{env('CUSTOMER_HEALTH_SPARK_CORES', '2')}]",
        "spark.driver.memory": env("CUSTOMER_HEALTH_SPARK_DRIVER_MEMORY", "2g"),
        "spark.sql.warehouse.dir": f"{home}/warehouse",
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            "jdbc:derby:;databaseName=metastore_db;create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={home}",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.sources.default": "parquet",
        "spark.sql.legacy.createHiveTableByDefault": "false",
        "spark.ui.enabled": "false",
        # dbt-spark forces ANSI mode off; the loader does the same
        "spark.sql.ansi.enabled": "false",
    }


def session() -> Any:
    """The process's SparkSession (created on first use, with Hive support as dbt-spark does)."""
    from pyspark.sql import SparkSession

    spark_dir().mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName("customer_health").enableHiveSupport()
    for key, value in session_conf().items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _schema(t: contract.Table) -> Any:
    from pyspark.sql import types as T

    kinds = {
        "text": T.StringType(),
        "integer": T.LongType(),
        "numeric": T.DoubleType(),
        "boolean": T.BooleanType(),
        "date": T.DateType(),
        "timestamp": T.TimestampType(),
    }
    return T.StructType([T.StructField(c.name, kinds[c.type], True) for c in t.all_columns])


def _python_values(s: pd.Series, kind: str) -> list[Any]:
    """A conformed column as Python values Spark accepts (None for every kind of null)."""
    if kind == "integer":
        return [None if pd.isna(v) else int(v) for v in s]
    if kind == "numeric":
        return [None if pd.isna(v) else float(v) for v in s]
    if kind == "boolean":
        return [None if pd.isna(v) else bool(v) for v in s]
    if kind == "timestamp":
        # tz-aware UTC: Spark stores the instant
        return [None if pd.isna(v) else v.to_pydatetime() for v in s]
    if kind == "date":
        return [None if v is None or pd.isna(v) else v for v in s]
    return [None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in s]


def _rows(frame: pd.DataFrame, t: contract.Table) -> list[tuple[Any, ...]]:
    columns = [_python_values(frame[c.name], c.type) for c in t.all_columns]
    return list(zip(*columns, strict=True)) if columns else []


def load_frames(
    spark: Any, frames: Mapping[str, pd.DataFrame], replace: bool = True
) -> dict[str, int]:
    """Create the four raw schemas and the 15 raw tables as parquet tables, and fill those in
    ``frames`` (keyed ``"source.table"``, conformed to the contract as the loader does). Keys
    outside the contract (``truth.*``) are skipped. Returns rows loaded per table."""
    for schema in SCHEMAS:
        if replace:
            spark.sql(f"drop database if exists {schema} cascade")
        spark.sql(f"create database if not exists {schema}")
    counts: dict[str, int] = {}
    for t in contract.TABLES:
        key = f"{t.source}.{t.name}"
        name = f"{t.schema}.{t.name}"
        frame = frames.get(key)
        if frame is None or frame.empty:
            spark.sql(f"drop table if exists {name}")
            spark.sql(contract.ddl(t, "spark") + " using parquet")
            counts[key] = 0
            continue
        conformed = conform(frame, t)
        df = spark.createDataFrame(_rows(conformed, t), schema=_schema(t), verifySchema=False)
        df.write.format("parquet").mode("overwrite").saveAsTable(name)
        counts[key] = len(conformed)
    return counts


def generate_and_load(
    spark: Any,
    accounts: int = 60,
    days: int = 300,
    seed: int = 7,
    end_date: dt.date | None = None,
) -> dict[str, int]:
    """Generate a demo book and load it (one frame per table: the book is small)."""
    from customer_health.generator import DEFAULT_END_DATE, generate
    from customer_health.generator.connectors import combine

    chunks: Iterable[Mapping[str, pd.DataFrame]] = generate(
        accounts=accounts, days=days, seed=seed, end_date=end_date or DEFAULT_END_DATE
    )
    return load_frames(spark, combine(chunks))


def query_df(spark: Any, sql: str) -> pd.DataFrame:
    """A query's result as a pandas frame (without pyarrow: through collect())."""
    result = spark.sql(sql)
    return pd.DataFrame([r.asDict() for r in result.collect()], columns=result.columns)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m customer_health.spark")
    sub = parser.add_subparsers(dest="command", required=True)
    load = sub.add_parser("load", help="generate a demo book and load it as raw parquet tables")
    load.add_argument("--accounts", type=int, default=60)
    load.add_argument("--days", type=int, default=300)
    load.add_argument("--seed", type=int, default=7)
    sql = sub.add_parser("sql", help="run one statement and print its result")
    sql.add_argument("statement")
    args = parser.parse_args(argv)
    spark = session()
    if args.command == "load":
        counts = generate_and_load(spark, args.accounts, args.days, args.seed)
        for key, n in counts.items():
            print(f"{key:28} {n:>9,}")
    else:
        with pd.option_context("display.width", 200, "display.max_columns", 50):
            print(query_df(spark, args.statement).to_string(max_rows=200))
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
