"""Point-in-time correctness: the history row for date d equals what a build on the data
truncated at d (nothing dated after d exists yet) computes as the current score."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from customer_health import dbt as dbt_runner
from customer_health.contract import TABLES
from customer_health.warehouse import Warehouse

from .conftest import copy_duckdb


def keep_latest_versions(wh: Warehouse) -> None:
    """Drop superseded versions of each key (staging keeps the latest one anyway), so that
    truncating by date cannot bring back an old version of a row whose latest version is
    dated after d."""
    for table in TABLES:
        key = ", ".join(table.key)
        wh.execute(
            f"delete from {table.schema}.{table.name} where rowid not in ("
            f"select rowid from (select rowid, row_number() over (partition by {key} "
            f"order by _loaded_at desc) as rn from {table.schema}.{table.name}) as v "
            "where rn = 1)"
        )


def truncate_at(wh: Warehouse, d: date) -> None:
    """Make the raw data look as it did at the end of day d: nothing dated after d exists."""
    keep_latest_versions(wh)
    nxt = f"timestamptz '{(d + timedelta(days=1)).isoformat()} 00:00:00+00'"
    day = f"date '{d.isoformat()}'"
    wh.execute(
        f"delete from raw_crm.accounts where created_date > {day}",
        f"delete from raw_crm.contacts where active_from > {day}",
        f"update raw_crm.contacts set active_to = null where active_to > {day}",
        f"delete from raw_crm.activities where occurred_at >= {nxt}",
        f"delete from raw_crm.sentiment where recorded_at >= {nxt}",
        f"delete from raw_crm.contracts where start_date > {day}",
        f"delete from raw_crm.opportunities where close_date > {day}",
        f"delete from raw_product.events where occurred_at >= {nxt}",
        f"delete from raw_product.seats where effective_date > {day}",
        f"delete from raw_support.tickets where created_at >= {nxt}",
        f"update raw_support.tickets set solved_at = null, status = 'open' "
        f"where solved_at >= {nxt}",
        f"update raw_support.tickets set first_response_at = null where first_response_at >= {nxt}",
        f"delete from raw_billing.subscriptions where started_at >= {nxt}",
        f"update raw_billing.subscriptions set cancelled_at = null, status = 'active' "
        f"where cancelled_at >= {nxt}",
        f"delete from raw_billing.plan_changes where changed_at >= {nxt}",
        f"delete from raw_billing.invoices where issued_date > {day}",
        f"update raw_billing.invoices set paid_date = null, status = 'open' "
        f"where paid_date > {day}",
        f"delete from raw_billing.payments where attempted_at >= {nxt}",
        f"delete from raw_billing.disputes where opened_at >= {nxt}",
    )


@pytest.fixture(scope="session")
def truncated_build(duck_built: Warehouse, tmp_path_factory: pytest.TempPathFactory):
    full = duck_built.query_df(
        "select max(score_date) as d from marts.mart_account_health_history "
        "where score_date < (select max(score_date) from marts.mart_account_health_history) - 90"
    )
    d = pd.Timestamp(full["d"][0]).date()
    directory: Path = tmp_path_factory.mktemp("pit")
    wh = copy_duckdb(duck_built, directory)
    truncate_at(wh, d)
    dbt_runner.run(
        ["build", "--full-refresh", "--exclude", "test_type:data"],
        wh,
        dbt_vars={"as_of_date": d.isoformat()},
        quiet=True,
    )
    return d, wh


def test_history_row_equals_a_build_on_data_truncated_at_that_date(
    duck_built: Warehouse, truncated_build: tuple[date, Warehouse]
) -> None:
    d, truncated = truncated_build
    query = (
        "select * from marts.mart_account_health_history "
        f"where score_date = date '{d.isoformat()}' order by account_id"
    )
    full = duck_built.query_df(query)
    cut = truncated.query_df(query)
    assert len(full) > 50
    assert list(full["account_id"]) == list(cut["account_id"])
    for column in full.columns:
        left, right = full[column], cut[column]
        if pd.api.types.is_float_dtype(left):
            np.testing.assert_allclose(
                left.to_numpy(float),
                right.to_numpy(float),
                atol=1e-9,
                equal_nan=True,
                err_msg=column,
            )
        else:
            as_text = [None if pd.isna(v) else str(v) for v in left]
            other = [None if pd.isna(v) else str(v) for v in right]
            assert as_text == other, column
