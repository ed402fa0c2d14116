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
    python -m customer_health.spark compare data/warehouse.duckdb   # the same book on DuckDB
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
        "spark.sql.decimalOperations.allowPrecisionLoss": "false",
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


def stop(spark: Any) -> None:
    """Stop the session and the JVM behind it (``spark.stop()`` alone leaves the JVM running,
    with its heap, until Python exits). A later :func:`session` starts a new one."""
    from pyspark import SparkContext

    spark.stop()
    gateway = SparkContext._gateway
    if gateway is not None:
        proc = getattr(gateway, "proc", None)
        gateway.shutdown()
        if proc is not None:
            proc.stdin.close()  # the JVM exits when its stdin closes
            proc.wait(timeout=60)
        SparkContext._gateway = None
        SparkContext._jvm = None


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


# The public relations and the columns that identify a row (as tests/python/test_engines.py).
PUBLIC_RELATIONS: dict[str, list[str]] = {
    "marts.mart_account_health": ["account_id"],
    "marts.mart_account_health_history": ["account_id", "score_date"],
    "marts.mart_account_health_factors": ["account_id", "factor_name"],
    "marts.mart_health_alerts": ["alert_id"],
    "marts.mart_portfolio_health": ["org_id", "dimension_name", "dimension_value"],
    "marts.mart_recovery_cases": ["case_id"],
    "marts.rpt_case_outcomes_by_playbook": ["org_id", "playbook"],
    "calibration.rpt_calibration_by_tier": ["scale", "band", "segment", "weights_version"],
    "calibration.rpt_calibration_deciles": ["segment", "weights_version", "score_decile"],
    "calibration.rpt_missed_churns": ["account_id"],
    "calibration.rpt_alert_outcomes": ["alert_id"],
    "calibration.rpt_lead_time_summary": ["segment"],
    "quarantine.quarantine": ["raw_table", "record_key"],
    "quarantine.quarantine_reconciliation": ["raw_table"],
}


def _as_text(values: Iterable[Any], column: str) -> list[str | None]:
    out = [
        None if v is None or (pd.api.types.is_scalar(v) and pd.isna(v)) else str(v) for v in values
    ]
    if column.endswith(("_date", "_at")):
        out = [str(pd.Timestamp(v)) if v else None for v in out]
    return out


def compare(spark: Any, duckdb_path: Path, atol: float = 1e-9) -> list[str]:
    """Every public relation on Spark against the same book built on DuckDB: one line per
    relation (rows, and each column that differs, with how many rows and a first example)."""
    import duckdb
    import numpy as np

    lines: list[str] = []
    con = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        for relation, keys in PUBLIC_RELATIONS.items():
            duck = con.execute(f"select * from {relation}").df()
            try:
                other = query_df(spark, f"select * from {relation}")
            except Exception as exc:  # noqa: BLE001 - reported, not raised
                lines.append(f"{relation}: not readable on Spark ({str(exc).splitlines()[0]})")
                continue
            if len(duck) != len(other):
                lines.append(f"{relation}: {len(duck)} rows on DuckDB, {len(other)} on Spark")
                continue
            missing = [c for c in duck.columns if c not in other.columns]
            duck = duck.sort_values(keys, na_position="first").reset_index(drop=True)
            other = other.sort_values(keys, na_position="first").reset_index(drop=True)
            diffs = [f"missing columns {missing}"] if missing else []
            for col in duck.columns:
                if col in missing:
                    continue
                left, right = duck[col], other[col]
                if pd.api.types.is_numeric_dtype(left) and not pd.api.types.is_bool_dtype(left):
                    a = left.astype(float).to_numpy()
                    b = pd.to_numeric(right, errors="coerce").astype(float).to_numpy()
                    bad = ~(np.isclose(a, b, rtol=0, atol=atol) | (np.isnan(a) & np.isnan(b)))
                    if bad.any():
                        i = int(np.argmax(bad))
                        diffs.append(f"{col}: {int(bad.sum())} rows (e.g. {a[i]!r} vs {b[i]!r})")
                else:
                    a_text, b_text = _as_text(left, col), _as_text(right, col)
                    bad_rows = [
                        i for i, (x, y) in enumerate(zip(a_text, b_text, strict=True)) if x != y
                    ]
                    if bad_rows:
                        i = bad_rows[0]
                        diffs.append(
                            f"{col}: {len(bad_rows)} rows (e.g. {a_text[i]!r} vs {b_text[i]!r})"
                        )
            status = "identical" if not diffs else "differs: " + "; ".join(diffs)
            lines.append(f"{relation} ({len(duck)} rows): {status}")
    finally:
        con.close()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m customer_health.spark")
    sub = parser.add_subparsers(dest="command", required=True)
    load = sub.add_parser("load", help="generate a demo book and load it as raw parquet tables")
    load.add_argument("--accounts", type=int, default=60)
    load.add_argument("--days", type=int, default=300)
    load.add_argument("--seed", type=int, default=7)
    sql = sub.add_parser("sql", help="run one statement and print its result")
    sql.add_argument("statement")
    parity = sub.add_parser("compare", help="compare the public relations with a DuckDB build")
    parity.add_argument("duckdb_path", type=Path)
    args = parser.parse_args(argv)
    spark = session()
    if args.command == "compare":
        for line in compare(spark, args.duckdb_path):
            print(line)
    elif args.command == "load":
        counts = generate_and_load(spark, args.accounts, args.days, args.seed)
        for key, n in counts.items():
            print(f"{key:28} {n:>9,}")
    else:
        with pd.option_context("display.width", 200, "display.max_columns", 50):
            print(query_df(spark, args.statement).to_string(max_rows=200))
    stop(spark)
    return 0


if __name__ == "__main__":
    sys.exit(main())
