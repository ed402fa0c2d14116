"""The snapshot keeps the scores as published, SCD2: three builds, each with a later
as_of_date and some changed data. Changed accounts get their old version closed and a new one
opened; unchanged accounts keep their single version; a deleted account is closed."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from customer_health import dbt as dbt_runner
from customer_health import generator, loader
from customer_health.warehouse import Warehouse

from .conftest import duckdb_warehouse

END = generator.DEFAULT_END_DATE
QUIET = ("QUIET001", "QUIET002")  # accounts with no signal at all: their score never changes
CHECK = [
    "health_score",
    "health_tier",
    "risk_level",
    "final_tier",
    "is_overridden",
    "weights_version",
]


def build(wh: Warehouse, as_of) -> pd.DataFrame:
    dbt_runner.run(
        ["build", "--exclude", "resource_type:test", "resource_type:unit_test"],
        wh,
        dbt_vars={"as_of_date": as_of.isoformat()},
        quiet=True,
    )
    return wh.query_df("select * from marts.mart_account_health").set_index("account_id")


def snapshot(wh: Warehouse) -> pd.DataFrame:
    return wh.query_df(
        "select * from snapshots.snap_account_health order by account_id, dbt_valid_from"
    )


@pytest.fixture(scope="module")
def three_builds(tmp_path_factory: pytest.TempPathFactory):
    wh = duckdb_warehouse(tmp_path_factory.mktemp("snap"))
    loader.generate_and_load(wh, accounts=120, days=300, seed=3, progress=False)
    for account_id in QUIET:
        wh.execute(
            "insert into raw_crm.accounts (account_id, account_name, segment, industry, region, "
            "owner_csm, parent_account_id, created_date, org_id, _loaded_at, _is_deleted) values "
            f"('{account_id}', 'Quiet Co {account_id}', 'smb', 'retail', 'emea', 'Sam Quinn', "
            f"null, date '2024-01-01', null, timestamptz '2024-01-01 00:00:00+00', false)"
        )
    marts, snaps = [], []
    marts.append(build(wh, END - timedelta(days=28)))
    snaps.append(snapshot(wh))

    live = marts[0][~marts[0].index.isin(QUIET)]
    with_overrides = set(
        wh.query_df(
            "select distinct account_id from raw_crm.sentiment where override_tier is not null"
        )["account_id"]
    )
    candidates = live[(live["health_tier"] != "healthy") & ~live.index.isin(with_overrides)]
    overridden = candidates.index[0]
    deleted = live.index[-1]
    wh.execute(
        "insert into raw_crm.sentiment (sentiment_id, account_id, author, sentiment_score, rag, "
        "note, recorded_at, override_tier, override_expires_at, org_id, _loaded_at, _is_deleted) "
        f"values ('SOVR1', '{overridden}', 'Dana', 4, null, 'Renewal signed early', "
        f"timestamptz '{END - timedelta(days=20)} 09:00:00+00', 'healthy', "
        f"timestamptz '{END + timedelta(days=60)} 00:00:00+00', null, "
        f"timestamptz '{END - timedelta(days=20)} 10:00:00+00', false)",
        "insert into raw_crm.accounts (account_id, account_name, segment, industry, region, "
        "owner_csm, parent_account_id, created_date, org_id, _loaded_at, _is_deleted) "
        "select account_id, account_name, segment, industry, region, "
        "owner_csm, parent_account_id, created_date, org_id, "
        f"timestamptz '{END - timedelta(days=15)} 00:00:00+00', true "
        f"from raw_crm.accounts where account_id = '{deleted}' order by _loaded_at desc limit 1",
    )
    marts.append(build(wh, END - timedelta(days=14)))
    snaps.append(snapshot(wh))
    marts.append(build(wh, END))
    snaps.append(snapshot(wh))
    return marts, snaps, overridden, deleted


def test_every_live_account_has_one_open_version_equal_to_the_mart(three_builds) -> None:
    marts, snaps, _, _ = three_builds
    for mart, snap in zip(marts, snaps, strict=True):
        open_rows = snap[snap["dbt_valid_to"].isna()].set_index("account_id")
        assert open_rows.index.is_unique
        assert set(open_rows.index) == set(mart.index)
        for column in CHECK:
            left = mart.loc[open_rows.index, column].astype(str)
            right = open_rows[column].astype(str)
            # an account with no data at all (QUIET) has no score: null on both sides
            same = (left == right) | (left.isna() & right.isna())
            assert same.all(), column


def test_changed_accounts_close_the_old_version_and_open_a_new_one(three_builds) -> None:
    marts, snaps, overridden, _ = three_builds
    final = snaps[-1]
    versions = final[final["account_id"] == overridden]
    assert len(versions) >= 2
    assert not marts[0].loc[overridden, "is_overridden"]
    assert marts[1].loc[overridden, "is_overridden"]
    assert marts[1].loc[overridden, "final_tier"] == "healthy"
    # versions are contiguous: each closed version ends where the next one starts
    for _, rows in final.groupby("account_id"):
        rows = rows.sort_values("dbt_valid_from")
        closed = rows.iloc[:-1]
        assert closed["dbt_valid_to"].notna().all()
        assert (
            closed["dbt_valid_to"].to_numpy() == rows["dbt_valid_from"].iloc[1:].to_numpy()
        ).all()
    changed = [
        account
        for account in marts[1].index.intersection(marts[2].index)
        if any(str(marts[1].loc[account, c]) != str(marts[2].loc[account, c]) for c in CHECK)
    ]
    assert len(changed) > 10
    after_second = snaps[1].set_index(["account_id", "dbt_valid_from"]).index
    for account in changed:
        rows = final[final["account_id"] == account]
        assert rows["dbt_valid_to"].isna().sum() == 1
        assert len(rows) > len(snaps[1][snaps[1]["account_id"] == account])
        assert (
            rows.set_index(["account_id", "dbt_valid_from"]).index.isin(after_second)
        ).sum() >= 1


def test_unchanged_accounts_keep_their_single_version(three_builds) -> None:
    _, snaps, _, _ = three_builds
    for account_id in QUIET:
        rows = snaps[-1][snaps[-1]["account_id"] == account_id]
        assert len(rows) == 1, rows
        assert rows["dbt_valid_to"].isna().all()
        first = snaps[0][snaps[0]["account_id"] == account_id]
        assert list(first["dbt_valid_from"]) == list(rows["dbt_valid_from"])


def test_a_deleted_account_is_closed_not_dropped(three_builds) -> None:
    marts, snaps, _, deleted = three_builds
    assert deleted in marts[0].index and deleted not in marts[1].index
    rows = snaps[-1][snaps[-1]["account_id"] == deleted]
    assert len(rows) >= 1
    assert rows["dbt_valid_to"].notna().all()
