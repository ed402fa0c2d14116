"""No email or phone number planted in the raw tables survives past raw, on DuckDB and Postgres.

Emails and phones are planted in every free-text column of the raw contract, and in every
number, date and timestamp column landed as text that does not parse (so that the row is
quarantined with its value in `quarantine_detail`). After `dbt build`, every column of every
relation in the schemas dbt writes is scanned for them: the base models mask free text
(`mask_pii`) and quarantine details keep a masked excerpt of a raw value, never the value.
The book is the hand-written foreign book (tests/python/foreign_book.py), which is small.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from customer_health import contract, loader
from customer_health import dbt as dbt_runner
from customer_health.warehouse import Warehouse

from . import foreign_book
from .badbook import clone, text
from .conftest import duckdb_warehouse, pg_warehouse

ROOT = Path(__file__).resolve().parents[2]

#: The schemas dbt writes (models, quarantine, calibration reports, snapshots).
SCANNED = ("staging", "intermediate", "marts", "quarantine", "calibration", "snapshots")

#: Contract text columns that hold free text (names, notes, subjects, open vocabularies with no
#: accepted_values test): the base models mask emails and phones in them.
FREE_TEXT: dict[str, tuple[str, ...]] = {
    "crm.accounts": ("account_name", "industry", "region", "owner_csm", "website"),
    "crm.sentiment": ("author", "note"),
    "product.features": ("feature_name",),
    "support.tickets": ("subject",),
    "billing.subscriptions": ("plan",),
    "billing.payments": ("failure_reason",),
}

#: Contract text columns that are not free text: closed vocabularies (an unknown value fails
#: an accepted_values test) and ISO codes (an unknown one is quarantined). Ids (``*_id``,
#: ``feature_key``) and the contacts' email and phone (hashed) are told apart by name.
CODES = {
    "segment",
    "account_status",
    "role",
    "activity_type",
    "outcome",
    "rag",
    "override_tier",
    "status",
    "opportunity_type",
    "stage",
    "priority",
    "change_type",
    "dispute_type",
    "currency",
}
HASHED = {("crm.contacts", "email"), ("crm.contacts", "phone")}

#: Phone formats, each filled with a number of its own so every planted value is unique.
PHONE_FORMATS = (
    "+44 20 7946 {n:04d}",
    "(555) 318-{n:04d}",
    "555.318.{n:04d}",
    "0049-30-91{n:05d}",
    "+1 (555) 318-{n:04d}",
    "020 7946 {n:04d}",
    "03-8123-{n:04d}",
    "+4722334{n:04d}",
)

TYPED_AS_TEXT = ("date", "timestamp", "numeric", "integer")


@dataclass(frozen=True)
class Plants:
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    quarantined: tuple[tuple[str, str, str], ...]  # raw table, end of the record key, column


class Planter:
    """Hands out unique emails and phones."""

    def __init__(self) -> None:
        self.emails: list[str] = []
        self.phones: list[str] = []

    def email(self) -> str:
        value = f"probe.{len(self.emails) + 1}+crm@pii-probe.example"
        self.emails.append(value)
        return value

    def phone(self) -> str:
        n = len(self.phones) + 1
        value = PHONE_FORMATS[n % len(PHONE_FORMATS)].format(n=7000 + n)
        self.phones.append(value)
        return value


def plant_free_text(frames: dict[str, pd.DataFrame], planter: Planter) -> None:
    """An email and a phone in two rows of every free-text column, inside ordinary text."""
    for table, columns in FREE_TEXT.items():
        frame = frames[table]
        for column in columns:
            if column not in frame.columns:  # an optional column the book leaves out
                frame[column] = None
            for row in frame.index[:2]:
                before = frame.at[row, column]
                before = "" if pd.isna(before) else str(before)
                frame.at[row, column] = (
                    f"{before} mail {planter.email()} or call {planter.phone()}, ref 2026-01-05"
                )


def plant_unparseable(wh: Warehouse, planter: Planter) -> list[tuple[str, str, str]]:
    """Every number, date and timestamp column (but _loaded_at) landed as text, and one row
    per column, under a key of its own, whose value there is an email and a phone."""
    statements: list[str] = []
    planted: list[tuple[str, str, str]] = []
    for t in contract.TABLES:
        table = f"{t.source}.{t.name}"
        for column in t.all_columns:
            if column.type not in TYPED_AS_TEXT or column.name == "_loaded_at":
                continue
            statements.append(
                f"alter table {t.schema}.{t.name} alter column {column.name} type varchar"
            )
            value = f"{planter.email()} {planter.phone()}"
            key = f"PII-{t.name}-{column.name}"
            # a key of its own; product.seats' key is the account's id and the effective date
            overrides = {t.key[-1]: text(key)}
            overrides[column.name] = text(value)
            key_end = "|[email] [phone]" if column.name in t.key[1:] else key
            # copy a row of the book, never a planted one
            genuine = " and ".join(
                f"cast({k} as varchar) not like 'PII-%' and cast({k} as varchar) not like '%@%'"
                for k in t.key
            )
            statements.append(clone(table, genuine, **overrides))
            planted.append((table, key_end, column.name))
    wh.execute(*statements)
    return planted


@pytest.fixture(
    scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def planted(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Warehouse, Plants]]:
    if request.param == "duckdb":
        wh = duckdb_warehouse(tmp_path_factory.mktemp("pii_scan"))
    else:
        wh = pg_warehouse(request.getfixturevalue("pg_cluster"), "customer_health_pii_scan")
    planter = Planter()
    frames = foreign_book.frames()
    plant_free_text(frames, planter)
    loader.load_frames(wh, frames)
    quarantined = plant_unparseable(wh, planter)
    # unit tests are left out: their fixtures take the raw columns' types, text here
    dbt_runner.run(["build", "--full-refresh", "--exclude", "test_type:unit"], wh, quiet=True)
    yield wh, Plants(tuple(planter.emails), tuple(planter.phones), tuple(quarantined))


def digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def holders(wh: Warehouse, schemas: tuple[str, ...], plants: Plants) -> dict[str, set[str]]:
    """Every planted email or phone found in ``schemas``, with the columns holding it: an email
    in any case, a phone as written or as its digits with the separators taken out."""
    contacts = wh.query_df("select email, phone from raw_crm.contacts")
    exact = {v.lower() for v in plants.emails} | {
        str(v).strip().lower() for v in contacts.stack().dropna() if str(v).strip()
    }
    by_digits = {digits(v): v for v in plants.phones}
    names = ", ".join(f"'{s}'" for s in schemas)
    relations = wh.query_df(
        "select table_schema, table_name from information_schema.tables "
        f"where table_schema in ({names}) order by table_schema, table_name"
    )
    found: dict[str, set[str]] = {}
    for rel in relations.itertuples():
        relation = f'"{rel.table_schema}"."{rel.table_name}"'
        frame = wh.query_df(f"select * from {relation}")
        for column in frame.columns:
            values = frame[column].dropna().astype(str).unique()
            lowered = "\0".join(values).lower()
            stripped = "\0".join(digits(v) for v in values)
            where = f"{relation}.{column}"
            for needle in exact:
                if needle in lowered:
                    found.setdefault(needle, set()).add(where)
            for number, phone in by_digits.items():
                if number in stripped:
                    found.setdefault(phone, set()).add(where)
    return found


def test_the_scan_finds_every_plant_in_raw(planted: tuple[Warehouse, Plants]) -> None:
    """The scan finds what it looks for: otherwise the test below could not fail."""
    wh, plants = planted
    found = holders(wh, ("raw_crm", "raw_product", "raw_support", "raw_billing"), plants)
    missing = [
        v for v in plants.emails + plants.phones if v.lower() not in found and v not in found
    ]
    assert not missing, missing
    assert len(plants.quarantined) >= 40


def test_no_planted_email_or_phone_survives_past_raw(planted: tuple[Warehouse, Plants]) -> None:
    wh, plants = planted
    schemas = set(wh.query_df("select schema_name from information_schema.schemata")["schema_name"])
    assert {"staging", "intermediate", "marts", "quarantine", "snapshots"} <= schemas
    found = holders(wh, SCANNED, plants)
    report = "\n".join(f"{value}: {sorted(where)}" for value, where in sorted(found.items()))
    assert not found, f"{len(found)} planted values found past raw:\n{report}"


def test_free_text_keeps_its_words_with_the_pii_masked(planted: tuple[Warehouse, Plants]) -> None:
    wh, _ = planted
    subjects = wh.query_df(
        "select subject from staging.stg_support__tickets where subject like '%mail%'"
    )["subject"]
    assert len(subjects) == 2
    for subject in subjects:
        assert subject.endswith("mail [email] or call [phone], ref 2026-01-05"), subject
    notes = wh.query_df("select note from staging.stg_crm__sentiment where note like '%mail%'")
    assert len(notes) == 2
    for note in notes["note"]:
        assert note.endswith("«renewal» discussed mail [email] or call [phone], ref 2026-01-05")


def test_unparseable_values_are_quarantined_with_a_masked_excerpt(
    planted: tuple[Warehouse, Plants],
) -> None:
    wh, plants = planted
    quarantine = wh.query_df(
        "select raw_table, record_key, quarantine_reason, quarantine_detail "
        "from quarantine.quarantine where record_key like '%PII-%' or record_key like '%[email]%'"
    )
    assert len(quarantine) == len(plants.quarantined)
    for table, key_end, column in plants.quarantined:
        rows = quarantine[
            (quarantine["raw_table"] == table) & quarantine["record_key"].str.endswith(key_end)
        ]
        assert len(rows) == 1, (table, key_end)
        row = rows.iloc[0]
        assert row["quarantine_reason"] in ("unparseable_number", "unparseable_date"), row
        assert row["quarantine_detail"].startswith(f'{column} "[email] [phone]" is not a'), row


def test_every_contract_text_column_is_classified_and_masked_where_free() -> None:
    """A text column added to the contract must be declared free text (and masked by its base
    model) or a code; ids are told by their name."""
    unclassified = []
    for t in contract.TABLES:
        table = f"{t.source}.{t.name}"
        for column in t.all_columns:
            name = column.name
            if column.type != "text" or (table, name) in HASHED or name in CODES:
                continue
            if name.endswith("_id") or name == "feature_key":
                continue
            if name not in FREE_TEXT.get(table, ()):
                unclassified.append(f"{table}.{name}")
    assert not unclassified, f"free text or a code? {unclassified}"
    for table, columns in FREE_TEXT.items():
        source, name = table.split(".")
        sql = (
            ROOT / "models" / "staging" / source / "base" / f"base_{source}__{name}.sql"
        ).read_text()
        for column in columns:
            assert f"mask_pii('{column}')" in sql, f"{table}.{column} is not masked"
