"""dbt commands in one process reuse one parse of the project (DECISIONLOG 45), and only while
nothing that parsing reads has changed."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from customer_health import dbt as dbt_runner
from customer_health.warehouse import Warehouse

from .conftest import copy_duckdb


def key_for(
    wh: Warehouse, project: Path, args: list[str], dbt_vars: dict | None = None
) -> str | None:
    with dbt_runner.dbt_environment(wh, project):
        return dbt_runner._manifest_key(args, project, dbt_vars)


def test_the_parse_key_follows_what_parsing_reads(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(
        dbt_runner.project_dir(),
        project,
        ignore=shutil.ignore_patterns(
            ".venv", "target", "logs", "data", "artifacts", ".git", "*.duckdb"
        ),
    )
    wh = replace(Warehouse.from_env("duckdb"), duckdb_path=tmp_path / "a" / "warehouse.duckdb")
    key = key_for(wh, project, ["build"])
    assert key is not None
    # another copy of the same warehouse (dbt names the database after the file's stem)
    elsewhere = replace(wh, duckdb_path=tmp_path / "b" / "warehouse.duckdb")
    assert key_for(elsewhere, project, ["test", "--select", "x"]) == key
    # what parsing reads: the database name, vars, the env vars the project reads, its files
    assert key_for(replace(wh, duckdb_path=tmp_path / "other.duckdb"), project, ["build"]) != key
    assert key_for(wh, project, ["build"], {"as_of_date": "2026-01-01"}) != key
    os.environ["CUSTOMER_HEALTH_CRM_SHAPE"] = "hubspot"
    try:
        assert key_for(wh, project, ["build"]) != key
    finally:
        del os.environ["CUSTOMER_HEALTH_CRM_SHAPE"]
    assert key_for(wh, project, ["build"]) == key
    model = project / "models" / "marts" / "health" / "mart_account_health.sql"
    model.write_text(model.read_text() + "\n-- changed\n")
    changed = key_for(wh, project, ["build"])
    assert changed != key
    # a new file counts too
    (project / "models" / "marts" / "health" / "new_model.sql").write_text("select 1 as x\n")
    assert key_for(wh, project, ["build"]) not in (key, changed)
    # commands that parse on their own terms, or name their own vars or target, always parse
    assert key_for(wh, project, ["parse"]) is None
    assert key_for(wh, project, ["build", "--vars", "{}"]) is None
    assert key_for(wh, project, ["build", "--target", "postgres"]) is None


def test_a_second_command_reuses_the_parse_and_builds_the_right_file(
    duck_built: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    one = copy_duckdb(duck_built, tmp_path / "one")
    two = copy_duckdb(duck_built, tmp_path / "two")
    parses: list[list[str]] = []
    from dbt.cli.main import dbtRunner

    invoke = dbtRunner.invoke

    def counting(self, args, **kwargs):
        if "parse" in args or self.manifest is None:
            parses.append(list(args))
        return invoke(self, args, **kwargs)

    monkeypatch.setattr(dbtRunner, "invoke", counting)
    # a var no model reads and no other test sets: this process has no parse for it yet
    dbt_vars = {"manifest_reuse_probe": 1}
    one.execute("drop table marts.mart_portfolio_health")
    dbt_runner.run(["run", "--select", "mart_portfolio_health"], one, dbt_vars, quiet=True)
    assert len(parses) == 1 and "parse" in parses[0]
    two.execute("drop table marts.mart_portfolio_health")
    result = dbt_runner.run(["run", "--select", "mart_portfolio_health"], two, dbt_vars, quiet=True)
    assert len(parses) == 1, "the second command parsed the project again"
    # each command built its own file: the table is back in both copies
    for wh in (one, two):
        assert int(wh.query_df("select count(*) as n from marts.mart_portfolio_health")["n"][0]) > 0
    assert [r.node.database for r in result.result.results] == ["warehouse"]
    # the privacy commands read the manifest itself: the same parse
    assert dbt_runner.parsed_manifest(two, dbt_vars) is dbt_runner.parsed_manifest(one, dbt_vars)
    assert len(parses) == 1
