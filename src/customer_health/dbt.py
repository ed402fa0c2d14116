"""Run dbt in-process (dbtRunner) against the warehouse the CLI was pointed at."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import OrderedDict
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
        # written aside and renamed: a dbt starting meanwhile in another process reads the old
        # file or the new one, never half of one
        partial = target / f"profiles.yml.{os.getpid()}"
        shutil.copyfile(example, partial)
        os.replace(partial, profile)
    return target


def target_path(warehouse: Warehouse, project: Path | None = None) -> Path:
    """Where dbt writes its artifacts (manifest.json, semantic_manifest.json, the docs) for
    ``warehouse``: target/<engine> in the project, or $CUSTOMER_HEALTH_DBT_TARGET_PATH. Apart
    per engine, so that concurrent runs on different warehouses do not overwrite each other's
    artifacts."""
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


@contextmanager
def dbt_environment(warehouse: Warehouse, project: Path | None = None) -> Iterator[None]:
    """The environment dbt runs in for ``warehouse``: its connection settings, target and log
    paths. The profile reads the connection from it, so it must be set while dbt (or anything
    that loads the profile) runs."""
    project = project or project_dir()
    env = {
        **warehouse.env(),
        "DBT_TARGET_PATH": str(target_path(warehouse, project)),
        "DBT_LOG_PATH": str(project / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    with _environ(env):
        yield


# Parsed manifests this process can reuse (dbtRunner(manifest=...)): parsing the project costs
# about 8 seconds of every dbt command, and `customer-health run` (or a test session) runs many
# commands on the same project and settings. Keyed by everything parsing reads (DECISIONLOG 45).
_MANIFESTS: OrderedDict[str, Any] = OrderedDict()
_MANIFESTS_KEPT = 4
# the project's folders and files whose content the manifest holds
_PARSED_PATHS = ("models", "macros", "seeds", "snapshots", "tests", "analyses", "dbt_project.yml")
# commands that parse on their own terms or need no manifest
_NO_REUSE = {"parse", "deps", "debug", "clean", "init", "compile", "show", "list", "ls"}


def _manifest_key(args: list[str], project: Path, dbt_vars: dict[str, Any] | None) -> str | None:
    """What a parse of ``project`` depends on, as one hash; None where the command should parse
    itself. Called inside dbt_environment, so the environment holds the warehouse's settings.

    The DuckDB file enters by its name only: dbt names the database after the file's stem, and
    nothing else of the path reaches the manifest, so copies of a warehouse share one parse."""
    if not args or args[0] in _NO_REUSE or any(a in args for a in ("--vars", "--target")):
        return None
    env = {
        k: v
        for k, v in os.environ.items()
        if k.startswith(("CUSTOMER_HEALTH_", "DBT_")) and k not in ("DBT_TARGET_PATH",)
    }
    if "CUSTOMER_HEALTH_DUCKDB_PATH" in env:
        env["CUSTOMER_HEALTH_DUCKDB_PATH"] = Path(env["CUSTOMER_HEALTH_DUCKDB_PATH"]).stem
    files = []
    for name in _PARSED_PATHS:
        root = project / name
        found = [root] if root.is_file() else sorted(root.rglob("*")) if root.is_dir() else []
        for path in found:
            if path.is_file():
                stat = path.stat()
                files.append((str(path.relative_to(project)), stat.st_mtime_ns, stat.st_size))
    payload = json.dumps(
        [str(project), sorted(env.items()), dbt_vars or {}, files], sort_keys=True, default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _runner(full: list[str], key: str | None, quiet: bool) -> Any:
    """A dbtRunner holding the parsed manifest for ``key``, parsing it first if this process has
    not yet; a plain dbtRunner (which parses as usual) where there is no key or parsing
    fails (the command then reports the error itself)."""
    from dbt.cli.main import dbtRunner
    from dbt.parser.manifest import write_manifest

    if key is None:
        return dbtRunner()
    if key in _MANIFESTS:
        _MANIFESTS.move_to_end(key)
        manifest = _MANIFESTS[key]
        # what a parse would have written, for the readers of target/ (docs, MetricFlow)
        write_manifest(manifest, os.environ["DBT_TARGET_PATH"])
        return dbtRunner(manifest=manifest)
    parsed = dbtRunner().invoke([*(["--quiet"] if quiet else []), "parse", *_parse_options(full)])
    if not parsed.success or parsed.result is None:
        return dbtRunner()
    _remember(key, parsed.result)
    return dbtRunner(manifest=parsed.result)


def _remember(key: str, manifest: Any) -> None:
    """Keep ``manifest`` for ``key``, and only the last _MANIFESTS_KEPT parses."""
    _MANIFESTS[key] = manifest
    while len(_MANIFESTS) > _MANIFESTS_KEPT:
        _MANIFESTS.popitem(last=False)


def parsed_manifest(
    warehouse: Warehouse, dbt_vars: dict[str, Any] | None = None, project: Path | None = None
) -> Any:
    """The project's parsed manifest for ``warehouse`` (parsing reads no data): the one this
    process already parsed with the same settings, or a new `dbt parse`; DbtError if it fails."""
    project = project or project_dir()
    with dbt_environment(warehouse, project):
        key = _manifest_key(["parsed_manifest"], project, dbt_vars)
    if key is not None and key in _MANIFESTS:
        _MANIFESTS.move_to_end(key)
        return _MANIFESTS[key]
    manifest = run(["parse"], warehouse, dbt_vars, quiet=True, project=project).result
    if key is not None:
        _remember(key, manifest)
    return manifest


def _parse_options(options: list[str]) -> list[str]:
    """The options of a command line that `dbt parse` takes too: project, profiles and vars."""
    out: list[str] = []
    for i, option in enumerate(options):
        if option in ("--project-dir", "--profiles-dir", "--vars") and i + 1 < len(options):
            out += [option, options[i + 1]]
    return out


def run(
    args: list[str],
    warehouse: Warehouse,
    dbt_vars: dict[str, Any] | None = None,
    quiet: bool = False,
    check: bool = True,
    project: Path | None = None,
) -> Any:
    """Run one dbt command, e.g. ``run(["build"], wh)``; raise DbtError on failure."""
    project = project or project_dir()
    full = [*args, "--project-dir", str(project), "--profiles-dir", str(profiles_dir(project))]
    if dbt_vars:
        full += ["--vars", json.dumps(dbt_vars)]
    if quiet:
        full = ["--quiet", *full]
    with dbt_environment(warehouse, project):
        result = _runner(full, _manifest_key(args, project, dbt_vars), quiet).invoke(full)
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
