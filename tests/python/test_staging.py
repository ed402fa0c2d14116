"""Messy connector rows in the demo book are handled in staging: duplicates collapse to the
latest version, soft deletes stay as flags, foreign money is converted, PII is hashed."""

from __future__ import annotations

import re

import pandas as pd

from customer_health.contract import TABLES
from customer_health.warehouse import Warehouse


def test_raw_rows_equal_staged_plus_quarantined_versions_for_every_table(
    duck_built: Warehouse,
) -> None:
    quarantined_tables = set()
    for table in TABLES:
        raw = duck_built.query_df(f"select count(*) as n from {table.schema}.{table.name}")["n"][0]
        staged = duck_built.query_df(
            f"select coalesce(sum(source_versions), 0) as n "
            f"from staging.stg_{table.source}__{table.name}"
        )["n"][0]
        quarantined = duck_built.query_df(
            "select coalesce(sum(source_versions), 0) as n from quarantine.quarantine "
            f"where raw_table = '{table.source}.{table.name}'"
        )["n"][0]
        assert raw == staged + quarantined, (
            f"{table.schema}.{table.name}: raw {raw} != staged {staged} + quarantined {quarantined}"
        )
        if quarantined:
            quarantined_tables.add(f"{table.source}.{table.name}")
    # the demo book soft-deletes whole accounts whose activity goes on (docs/demo_data.md)
    assert "product.events" in quarantined_tables


def test_duplicate_keys_keep_the_latest_version(duck_built: Warehouse) -> None:
    dups = duck_built.query_df(
        """
        with ranked as (
            select ticket_id, status, _loaded_at,
                   row_number() over (partition by ticket_id order by _loaded_at desc) as rn,
                   count(*) over (partition by ticket_id) as versions
            from raw_support.tickets
        )
        select ranked.ticket_id, ranked.status as latest_status, ranked.versions,
               stg.status as staged_status, stg.source_versions
        from ranked
        inner join staging.stg_support__tickets as stg on stg.ticket_id = ranked.ticket_id
        where ranked.rn = 1 and ranked.versions > 1
        """
    )
    assert len(dups) > 0, "the demo book plants duplicated tickets"
    assert (dups["latest_status"].str.lower().str.strip() == dups["staged_status"]).all()
    assert (dups["versions"] == dups["source_versions"]).all()
    staged = duck_built.query_df("select ticket_id from staging.stg_support__tickets")
    assert staged["ticket_id"].is_unique


def test_soft_deleted_rows_are_flagged_not_dropped(duck_built: Warehouse) -> None:
    deleted = duck_built.query_df(
        """
        with latest as (
            select account_id, _is_deleted,
                   row_number() over (partition by account_id order by _loaded_at desc) as rn
            from raw_crm.accounts
        )
        select latest.account_id, stg.is_deleted
        from latest
        left join staging.stg_crm__accounts as stg on stg.account_id = latest.account_id
        where latest.rn = 1 and latest._is_deleted
        """
    )
    assert len(deleted) > 0, "the demo book plants soft-deleted accounts"
    assert deleted["is_deleted"].notna().all(), "a soft-deleted account vanished from staging"
    assert deleted["is_deleted"].astype(bool).all()
    mart = duck_built.query_df("select account_id from marts.mart_account_health")
    assert not set(deleted["account_id"]) & set(mart["account_id"]), (
        "soft-deleted accounts must not be scored"
    )


def test_foreign_currency_is_converted_with_the_fx_seed(duck_built: Warehouse) -> None:
    invoices = duck_built.query_df(
        """
        select inv.currency, inv.amount_local, inv.amount_reporting, fx.units_per_usd
        from staging.stg_billing__invoices as inv
        inner join config.fx_rates as fx
            on fx.currency_code = inv.currency
            and inv.issued_date >= fx.valid_from and inv.issued_date <= fx.valid_to
        """
    )
    assert set(invoices["currency"]) >= {"USD", "EUR", "GBP"}
    usd = invoices[invoices["currency"] == "USD"]
    assert (abs(usd["amount_local"] - usd["amount_reporting"]) < 1e-6).all()
    eur = invoices[invoices["currency"] == "EUR"]
    expected = eur["amount_local"] / eur["units_per_usd"]
    assert ((eur["amount_reporting"] - expected).abs() < 1e-6 * expected.abs().clip(lower=1)).all()
    assert not (eur["amount_reporting"] == eur["amount_local"]).all()


EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.I)
PHONE = re.compile(r"\+?\d[\d\s().-]{7,}\d")


def test_no_raw_email_or_phone_leaves_staging(duck_built: Warehouse) -> None:
    contacts = duck_built.query_df("select * from staging.stg_crm__contacts")
    assert "email" not in contacts.columns and "phone" not in contacts.columns
    assert contacts["email_hash"].notna().mean() > 0.5
    raw = duck_built.query_df("select email, phone from raw_crm.contacts where email is not null")
    for column in contacts.columns:
        values = contacts[column].dropna().astype(str)
        assert not values.isin(set(raw["email"])).any(), column
        assert not values.isin(set(raw["phone"].dropna())).any(), column
        if contacts[column].dtype == object:
            assert not values.str.fullmatch(EMAIL).any(), f"email-like values in {column}"
            assert not values.str.fullmatch(PHONE).any(), f"phone-like values in {column}"
    domains = contacts["email_domain"].dropna()
    assert domains.str.contains(r"\.").all()
    assert pd.Series(domains).nunique() > 1
