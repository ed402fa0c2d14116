"""The dbt project's YAML declares what it means to: a unit test written under `models:` is
parsed as a patch for a model that does not exist, and dbt only warns, so the test would
silently never run."""

from __future__ import annotations

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
