"""The dbt project's YAML declares what it means to: a unit test written under `models:` is
parsed as a patch for a model that does not exist, and dbt only warns, so the test would
silently never run."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

MODELS = Path(__file__).resolve().parents[2] / "models"


def test_unit_tests_are_declared_under_unit_tests() -> None:
    misplaced = []
    unit_tests = 0
    for path in sorted(MODELS.rglob("*.yml")):
        document = yaml.safe_load(path.read_text()) or {}
        for entry in document.get("models") or []:
            if "given" in entry or "expect" in entry:
                misplaced.append(f"{path.relative_to(MODELS)}: {entry.get('name')}")
        unit_tests += len(document.get("unit_tests") or [])
    assert not misplaced, "unit tests under models: (dbt would skip them): " + ", ".join(misplaced)
    assert unit_tests >= 19


def test_unit_test_names_fit_a_postgres_relation_name() -> None:
    """dbt names the relation of a unit test after it, and Postgres cuts names at 63 bytes:
    a longer name fails the build on Postgres only."""
    long_names = []
    for path in sorted(MODELS.rglob("*.yml")):
        document = yaml.safe_load(path.read_text()) or {}
        for entry in document.get("unit_tests") or []:
            if len(str(entry.get("name", ""))) > 63:
                long_names.append(f"{path.relative_to(MODELS)}: {entry['name']}")
    assert not long_names, "unit test names longer than 63 characters: " + ", ".join(long_names)


SEEDS = MODELS.parent / "seeds"
# A connector's reconciliation model counts each of its raw tables against what was staged.
RECONCILIATION = re.compile(r"stg_\w+__reconciliation\.sql")


def _sources(sql: str) -> set[tuple[str, str]]:
    return set(re.findall(r"source\(\s*'(\w+)'\s*,\s*'(\w+)'\s*\)", sql))


def _model_refs(sql: str) -> set[str]:
    """The models a file refs (seeds left out: lookups, not inputs)."""
    seeds = {path.stem for path in SEEDS.glob("*.csv")}
    return set(re.findall(r"ref\(\s*'(\w+)'\s*\)", sql)) - seeds


def _staging_models_reading_several_inputs(models: Path) -> list[str]:
    """Staging stays one model per source table: outside base/, a staging model reads at most
    one raw table, and in a folder of the raw contract (one with base/ models), the model
    stg_<source>__<entity> reads only base_<source>__<entity>. Joining staged tables with
    business rules is intermediate work. The connectors' mapping views, which land a
    connector's tables in the contract's shape, read only staged models and so pass."""
    problems = []
    for path in sorted((models / "staging").rglob("*.sql")):
        if "base" in path.parts or RECONCILIATION.fullmatch(path.name):
            continue
        sql = path.read_text()
        name = path.relative_to(models)
        if len(_sources(sql)) > 1:
            problems.append(f"{name}: reads {sorted(_sources(sql))}")
        if (path.parent / "base").is_dir():
            source, entity = path.stem.removeprefix("stg_").split("__")
            other = _model_refs(sql) - {f"base_{source}__{entity}"}
            if other or _sources(sql):
                problems.append(f"{name}: reads {sorted(other | _sources(sql))}")
    return problems


def test_staging_models_read_one_source_table_each() -> None:
    problems = _staging_models_reading_several_inputs(MODELS)
    assert not problems, "staging models joining inputs (intermediate work): " + "; ".join(problems)


def _final_columns(sql: str) -> list[str]:
    """The columns the `final` CTE selects, in order (Jinja tags and comments dropped, both
    branches of an if kept); "*" when it selects a star."""
    sql = re.sub(r"\{#.*?#\}", "", sql, flags=re.S)
    sql = re.sub(r"\{%.*?%\}", "", sql, flags=re.S)
    sql = re.sub(r"--[^\n]*", "", sql)
    body = sql[sql.index("\nfinal as (") :]
    body = body[body.index("select") + len("select") :]
    body = re.split(r"\n    from\b|\n\)", body, maxsplit=1)[0]
    items, depth, quoted, current = [], 0, False, ""
    for char in body:
        quoted ^= char == "'"
        depth += not quoted and char in "({"
        depth -= not quoted and char in ")}"
        if char == "," and depth == 0 and not quoted:
            items.append(current)
            current = ""
        else:
            current += char
    items.append(current)
    columns = []
    for item in (" ".join(item.split()) for item in items if item.strip()):
        match = re.search(r"(?:\bas\s+|\.|^)(\w+|\*)$", item)
        assert match, f"cannot read a column name in {item!r}"
        columns.append(match.group(1))
    return columns


def _undocumented_columns(models: Path, prefix: str) -> list[str]:
    documented: dict[str, dict[str, str]] = {}
    for path in sorted(models.rglob("*.yml")):
        for entry in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
            documented[entry["name"]] = {
                column["name"]: str(column.get("description") or "").strip()
                for column in entry.get("columns") or []
            }
    problems = []
    for path in sorted(models.rglob(f"{prefix}*.sql")):
        columns = _final_columns(path.read_text())
        if "*" in columns:
            problems.append(f"{path.stem}: final selects *, not a column list")
        docs = documented.get(path.stem, {})
        for column in dict.fromkeys(c for c in columns if c != "*"):
            if not docs.get(column):
                problems.append(f"{path.stem}.{column}: not documented")
        for column in sorted(set(docs) - set(columns)):
            problems.append(f"{path.stem}.{column}: documented, but not a column")
    return problems


def test_every_scoring_column_is_documented() -> None:
    """The scoring models name their columns in `final`, and the yml describes each of them
    (and no other)."""
    problems = _undocumented_columns(MODELS, "int_scoring__")
    assert not problems, "; ".join(problems)


def test_every_expansion_column_is_documented() -> None:
    """The expansion models name their columns in `final`, and the yml describes each of them
    (and no other)."""
    problems = _undocumented_columns(MODELS, "int_expansion__")
    assert not problems, "; ".join(problems)


def test_the_column_reader_sees_a_star_and_every_alias() -> None:
    sql = """with

final as (
    select
        -- ids
        a.account_id,
        {%- if x %}
        max(d) as as_of_date,
        {%- else %}
        {{ literal() }} as as_of_date,
        {%- endif %}
        coalesce(b, 'x, (y') as d,
        {{ f("a, b") }}
            as days_to_renewal
    from a
)

select * from final
"""
    aliases = ["as_of_date", "as_of_date", "d", "days_to_renewal"]
    assert _final_columns(sql) == ["account_id", *aliases]
    assert _final_columns(sql.replace("a.account_id", "*")) == ["*", *aliases]
