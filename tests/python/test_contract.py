"""The raw contract (contract.py), the dbt sources yml and docs/source_contract.md agree.

contract.py is the single source of truth: every raw table and column it declares must be
declared in the sources yml (and nothing more) and documented in the source contract page,
with the same type and required flag.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from customer_health.contract import HOUSEKEEPING, SOURCES, SQL_TYPES, TABLES, Table

ROOT = Path(__file__).resolve().parents[2]
STAGING = ROOT / "models" / "staging"
DOC = ROOT / "docs" / "source_contract.md"

TABLE_IDS = [f"{t.source}.{t.name}" for t in TABLES]


def load_sources(source: str) -> dict:
    path = STAGING / source / f"_{source}__sources.yml"
    assert path.exists(), f"missing {path.relative_to(ROOT)}"
    doc = yaml.safe_load(path.read_text())
    entries = [s for s in doc.get("sources", []) if s["name"] == source]
    assert len(entries) == 1, f"{path.name} must declare source {source!r} exactly once"
    return entries[0]


def doc_sections() -> dict[str, str]:
    """Text of each `### `schema.table`` section of the source contract page."""
    text = DOC.read_text()
    parts = re.split(r"^### `([a-z_]+\.[a-z_]+)`\s*$", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def doc_column_rows(section: str) -> dict[str, list[str]]:
    """Column rows of a section's markdown table: name -> [type, required, meaning, example]."""
    rows = {}
    for line in section.splitlines():
        match = re.match(r"^\|\s*`([a-z_]+)`[^|]*\|(.*)\|\s*$", line)
        if match:
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", match.group(2))]
            rows[match.group(1)] = cells
    return rows


# ------------------------------------------------------------------------- contract itself


def test_contract_is_consistent() -> None:
    assert len(TABLES) == 15
    assert len(set(TABLE_IDS)) == len(TABLE_IDS), "duplicate table in the contract"
    assert {t.source for t in TABLES} == set(SOURCES)
    for t in TABLES:
        names = t.column_names
        assert len(set(names)) == len(names), f"{t.name}: duplicate column"
        assert set(t.key) <= set(names), f"{t.name}: key not among its columns"
        for column in t.all_columns:
            assert column.description and column.example, f"{t.name}.{column.name}"
            for engine in SQL_TYPES:
                assert column.type in SQL_TYPES[engine], f"{t.name}.{column.name}: {column.type}"
        for key in t.key:
            assert next(c for c in t.columns if c.name == key).required, f"{t.name}.{key}"
    assert [c.name for c in HOUSEKEEPING] == ["org_id", "_loaded_at", "_is_deleted"]


# ------------------------------------------------------------------------- sources yml


@pytest.mark.parametrize("source", SOURCES)
def test_sources_yml_declares_exactly_the_contract_tables(source: str) -> None:
    declared = load_sources(source)
    expected = [t.name for t in TABLES if t.source == source]
    got = [t["name"] for t in declared["tables"]]
    assert sorted(got) == sorted(expected), f"{source}: tables differ from the contract"
    assert len(set(got)) == len(got), f"{source}: a table is declared twice"


@pytest.mark.parametrize("source", SOURCES)
def test_sources_yml_is_configurable_and_checks_freshness(source: str) -> None:
    declared = load_sources(source)
    assert declared["schema"] == f"{{{{ var('{source}_schema', 'raw_{source}') }}}}"
    assert f"var('{source}_database'" in declared["database"]
    assert "target.database" in declared["database"]
    config = declared["config"]
    assert config["loaded_at_field"] == "_loaded_at"
    assert config["freshness"]["warn_after"] and config["freshness"]["error_after"]
    assert declared.get("description")


@pytest.mark.parametrize("table_id", TABLE_IDS)
def test_sources_yml_declares_exactly_the_contract_columns(table_id: str) -> None:
    t = next(t for t in TABLES if f"{t.source}.{t.name}" == table_id)
    declared = next(x for x in load_sources(t.source)["tables"] if x["name"] == t.name)
    assert declared.get("description"), f"{table_id}: no description"
    columns = declared.get("columns", [])
    names = [c["name"] for c in columns]
    assert len(set(names)) == len(names), f"{table_id}: a column is declared twice"
    missing = set(t.column_names) - set(names)
    extra = set(names) - set(t.column_names)
    assert not missing, f"{table_id}: columns missing from the sources yml: {sorted(missing)}"
    assert not extra, f"{table_id}: columns not in the contract: {sorted(extra)}"
    for column in columns:
        assert column.get("description"), f"{table_id}.{column['name']}: no description"


def test_real_exports_leave_these_columns_out() -> None:
    """Columns a public SaaS export and a second foreign book did not have are optional."""
    for table_id, column in (
        ("product.events", "user_id"),
        ("product.features", "is_key_feature"),
        ("crm.contracts", "end_date"),
        ("crm.contracts", "renewal_date"),
        ("crm.opportunities", "amount"),
        ("crm.accounts", "account_status"),
        ("crm.accounts", "churn_date"),
    ):
        t = next(t for t in TABLES if f"{t.source}.{t.name}" == table_id)
        assert not next(c for c in t.columns if c.name == column).required, f"{table_id}.{column}"
    tickets = next(t for t in TABLES if t.name == "tickets")
    requester = next(c for c in tickets.columns if c.name == "requester_id")
    assert "contact" in requester.description and "user" in requester.description


# ------------------------------------------------------------------------- docs


def test_doc_has_a_section_for_every_table_and_no_other() -> None:
    sections = doc_sections()
    expected = {f"{t.schema}.{t.name}" for t in TABLES}
    assert set(sections) == expected


@pytest.mark.parametrize("table_id", TABLE_IDS)
def test_doc_documents_every_column_with_its_type_and_required_flag(table_id: str) -> None:
    t: Table = next(t for t in TABLES if f"{t.source}.{t.name}" == table_id)
    section = doc_sections()[f"{t.schema}.{t.name}"]
    rows = doc_column_rows(section)
    assert set(rows) == set(t.column_names), (
        f"{table_id}: doc columns differ: missing {sorted(set(t.column_names) - set(rows))}, "
        f"extra {sorted(set(rows) - set(t.column_names))}"
    )
    for column in t.all_columns:
        type_, required, meaning, example = rows[column.name][:4]
        assert type_ == column.type, f"{table_id}.{column.name}: type {type_!r}"
        assert required == ("required" if column.required else "optional"), (
            f"{table_id}.{column.name}: {required!r}"
        )
        assert meaning and example, f"{table_id}.{column.name}: meaning or example missing"
    for key in t.key:
        assert f"`{key}`" in section.split("|")[0], f"{table_id}: key {key} not stated"


def test_doc_explains_housekeeping_vars_and_rules() -> None:
    text = DOC.read_text()
    for word in (
        "org_id",
        "_loaded_at",
        "_is_deleted",
        "soft delete",
        "dedupe",
        "crm_schema",
        "crm_database",
        "reporting_currency",
        "pii_salt",
    ):
        assert word.lower() in text.lower(), f"source_contract.md does not mention {word}"


# ------------------------------------------------------------------------- staging


@pytest.mark.parametrize("table_id", TABLE_IDS)
def test_every_raw_table_has_a_staging_model(table_id: str) -> None:
    source, name = table_id.split(".")
    model = STAGING / source / f"stg_{source}__{name}.sql"
    base = STAGING / source / "base" / f"base_{source}__{name}.sql"
    assert model.exists(), f"missing {model.relative_to(ROOT)}"
    assert base.exists(), f"missing {base.relative_to(ROOT)}"
    assert f"ref('base_{source}__{name}')" in model.read_text()
    assert "where quarantine_reason is null" in model.read_text()
    sql = base.read_text()
    assert f"source('{source}', '{name}')" in sql
    assert "deduplicate_latest(" in sql, f"{base.name} does not dedupe"
    assert "quarantine_checked(" in sql, f"{base.name} has no quarantine checks"
    # the contract's columns only: absent optional columns as null, extra columns ignored
    assert f"contract_columns(source_relation, '{source}', '{name}')" in sql, base.name
    assert "select_contract_columns(raw_columns)" in sql
    assert "source as (\n\n    select\n        *," not in sql, f"{base.name} reads every column"


def test_the_contract_spec_macro_mirrors_the_contract() -> None:
    """The base models read each table's columns, types and required flags from
    macros/utils/contract_spec.sql (contract_columns): it must match contract.py."""
    macro = (ROOT / "macros" / "utils" / "contract_spec.sql").read_text()
    tables = re.findall(r"'(\w+\.\w+)': \[(.*?)\]", macro, flags=re.S)
    assert [name for name, _ in tables] == TABLE_IDS
    for (name, body), t in zip(tables, TABLES, strict=True):
        listed = re.findall(r"\('(\w+)', '(\w+)', (true|false)\)", body)
        expected = [(c.name, c.type, "true" if c.required else "false") for c in t.all_columns]
        assert listed == expected, name


def test_the_raw_tables_macro_lists_the_contract() -> None:
    """The quarantine models loop over macros/utils/raw_tables.sql: it must name every table."""
    macro = (ROOT / "macros" / "utils" / "raw_tables.sql").read_text()
    listed = re.findall(r"\('(\w+)', '(\w+)'\)", macro)
    assert listed == [(t.source, t.name) for t in TABLES]


# ------------------------------------------------------------------------- the loader
ACCOUNTS = {
    "account_id": ["A1"],
    "account_name": ["Northwind"],
    "segment": ["smb"],
    "created_date": ["2025-01-31"],
}


def test_the_loader_ignores_extra_columns_with_a_note() -> None:
    import pandas as pd

    from customer_health import contract, loader

    notes: list[str] = []
    frame = pd.DataFrame({**ACCOUNTS, "hubspot_score": [7], "favourite_colour": ["teal"]})
    out = loader.conform(frame, contract.table("crm", "accounts"), note=notes.append)
    assert list(out.columns) == contract.table("crm", "accounts").column_names
    (note,) = notes
    assert "ignored" in note and "hubspot_score, favourite_colour" in note
    with pytest.raises(ValueError, match="no column.*account_id.*the table's key"):
        loader.conform(pd.DataFrame({"acount_id": ["A1"]}), contract.table("crm", "accounts"))


def test_the_loader_loads_into_a_table_created_before_an_optional_column(tmp_path: Path) -> None:
    import pandas as pd

    from customer_health import loader
    from customer_health.warehouse import Warehouse

    wh = Warehouse(engine="duckdb", duckdb_path=tmp_path / "old.duckdb")
    loader.load_frames(wh, {"crm.accounts": pd.DataFrame(ACCOUNTS)})
    wh.execute(
        "alter table raw_crm.accounts drop column account_status",
        "alter table raw_crm.accounts drop column churn_date",
    )
    more = pd.DataFrame({**ACCOUNTS, "account_id": ["A2"]})
    assert loader.load_frames(wh, {"crm.accounts": more}, replace=False) == {"crm.accounts": 1}
    assert int(wh.query_df("select count(*) as n from raw_crm.accounts").iloc[0, 0]) == 2
    with pytest.raises(ValueError, match="has no column.*account_status.*add them"):
        loader.load_frames(
            wh,
            {"crm.accounts": pd.DataFrame({**ACCOUNTS, "account_status": ["churned"]})},
            replace=False,
        )
