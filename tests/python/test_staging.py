"""Messy connector rows in the demo book are handled in staging: duplicates collapse to the
latest version, soft deletes stay as flags, foreign money is converted, PII is hashed."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import yaml

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


# ------------------------------------------------------------- the tests on staged columns
STAGING = Path(__file__).resolve().parents[2] / "models" / "staging"

#: Staged columns the base model guarantees without a required_checks() entry: the key and
#: account checks, the currency check (unknown_currency), housekeeping, and derived columns.
GUARANTEED = {
    "account_id",
    "currency",
    "is_deleted",
    "loaded_at",
    "source_versions",
    "event_date",  # occurred_at is required
    "is_before_account_created",  # occurred_at / created_at and the account's created_date
    "seat_record_id",  # the key (account_id, effective_date)
    "effective_date",  # part of the key
    "reopened_count",  # coalesced to 0
}


def _staged_tests() -> list[tuple[str, str, str, dict]]:
    """(model, column, test name, test config) for every test on a staged column of the
    contract's sources (the connectors' folders stage their own relations)."""
    out = []
    for path in sorted(STAGING.glob("*/_*__models.yml")):
        if path.parent.name not in {t.source for t in TABLES}:
            continue
        for model in yaml.safe_load(path.read_text())["models"]:
            for column in model.get("columns", []):
                for test in column.get("data_tests", []):
                    name = test if isinstance(test, str) else next(iter(test))
                    config = {} if isinstance(test, str) else test[name] or {}
                    out.append((model["name"], column["name"], name, config))
    return out


def test_no_not_null_or_relationships_test_can_fail_on_a_row_the_base_model_could_quarantine():
    """Each not_null test guards a column the base model quarantines when null (the key, the
    account, a required_checks() entry) or derives; each relationships test that fails the
    build is on a column whose parent the base model checks (account_checks, reference_checks).
    Optional columns have neither."""
    problems = []
    for model, column, test, config in _staged_tests():
        source, entity = model.removeprefix("stg_").split("__")
        base = (STAGING / source / "base" / f"base_{source}__{entity}.sql").read_text()
        key = next(t.key for t in TABLES if t.source == source and t.name == entity)
        required = set(
            re.findall(r"'(\w+)'", "".join(re.findall(r"required_checks\(\[(.*?)\]\)", base, re.S)))
        )
        references = set(re.findall(r"reference_checks\('(\w+)'", base))
        if test == "not_null" and column not in GUARANTEED | set(key) | required:
            problems.append(f"{model}.{column}: not_null, but the base model does not check it")
        severity = (config.get("config") or {}).get("severity", "error")
        if (
            test == "relationships"
            and severity != "warn"
            and column not in {"account_id"} | references
        ):
            problems.append(f"{model}.{column}: relationships fails the build unchecked")
    assert not problems, problems


def test_optional_columns_carry_no_not_null_test_and_requesters_no_contact_test() -> None:
    tests = {(m, c, t) for m, c, t, _ in _staged_tests()}
    for model, column in (
        ("stg_product__events", "user_id"),
        ("stg_product__features", "is_key_feature"),
        ("stg_crm__contracts", "end_date"),
        ("stg_crm__contracts", "renewal_date"),
        ("stg_crm__opportunities", "amount_local"),
    ):
        assert (model, column, "not_null") not in tests, f"{model}.{column}"
    # a requester may be a product user: a test against contacts would warn on each of them
    assert ("stg_support__tickets", "requester_id", "relationships") not in tests
    for model in ("stg_product__events", "stg_support__tickets", "stg_crm__activities"):
        assert (model, "is_before_account_created", "not_null") in tests, model
