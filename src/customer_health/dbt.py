"""Run dbt in-process (dbtRunner) against the warehouse the CLI was pointed at."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from customer_health.warehouse import Warehouse


class DbtError(RuntimeError):
    """dbt ran and failed; the message says which nodes failed."""


def project_dir() -> Path:
    """The dbt project: $CUSTOMER_HEALTH_PROJECT_DIR, the source checkout, or the cwd."""
    env = os.environ.get("CUSTOMER_HEALTH_PROJECT_DIR")
    if env:
        return Path(env).resolve()
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "dbt_project.yml").exists():
        return checkout
    return Path.cwd()


def profiles_dir(project: Path | None = None) -> Path:
    """$DBT_PROFILES_DIR if set; otherwise .dbt/ in the project, made from profiles.example.yml."""
    env = os.environ.get("DBT_PROFILES_DIR")
    if env:
        return Path(env)
    project = project or project_dir()
    target = project / ".dbt"
    profile = target / "profiles.yml"
    example = project / "profiles.example.yml"
    if not profile.exists() or profile.read_text() != example.read_text():
        target.mkdir(exist_ok=True)
        shutil.copyfile(example, profile)
    return target


def target_path(warehouse: Warehouse, project: Path | None = None) -> Path:
    """dbt's target/ for this warehouse: kept apart per engine (or where
    $CUSTOMER_HEALTH_DBT_TARGET_PATH says) so that concurrent runs on different warehouses do not
    overwrite each other's artifacts."""
    env = os.environ.get("CUSTOMER_HEALTH_DBT_TARGET_PATH")
    if env:
        return Path(env)
    return (project or project_dir()) / "target" / warehouse.engine


@contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run(
    args: list[str],
    warehouse: Warehouse,
    dbt_vars: dict[str, Any] | None = None,
    quiet: bool = False,
    check: bool = True,
    project: Path | None = None,
) -> Any:
    """Run one dbt command, e.g. ``run(["build"], wh)``; raise DbtError on failure."""
    from dbt.cli.main import dbtRunner

    project = project or project_dir()
    full = [*args, "--project-dir", str(project), "--profiles-dir", str(profiles_dir(project))]
    if dbt_vars:
        full += ["--vars", json.dumps(dbt_vars)]
    if quiet:
        full = ["--quiet", *full]
    env = {
        **warehouse.env(),
        "DBT_TARGET_PATH": str(target_path(warehouse, project)),
        "DBT_LOG_PATH": str(project / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    with _environ(env):
        result = dbtRunner().invoke(full)
    if check and not result.success:
        failed = []
        res = getattr(result, "result", None)
        for r in getattr(res, "results", None) or []:
            status = str(getattr(r, "status", ""))
            if status in ("error", "fail", "runtime error"):
                failed.append(f"{r.node.unique_id}: {r.message}")
        detail = "\n  ".join(failed) or str(result.exception or "see logs/dbt.log")
        raise DbtError(f"dbt {' '.join(args)} failed on {warehouse.describe()}:\n  {detail}")
    return result
