"""Books built once per run, not once per pytest-xdist worker.

`make test` runs the suite in two workers, and a session fixture belongs to one worker: a book
that tests in both workers read (the demo book on DuckDB and Postgres, the connector pair A...)
was built twice. The controller makes one directory for the run and names it in an environment
variable the workers inherit. The first worker that needs a book builds it under a file lock and
leaves what the other needs there (a copy of the DuckDB file, the name of the Postgres database);
the other waits for the lock and takes a copy. The workers share one Postgres server, which the
controller stops at the end. In one process (no xdist), every book is built as before.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import TypeVar

from filelock import FileLock

from customer_health.pgcluster import PgCluster
from customer_health.warehouse import Warehouse

ENV = "HEALTH_TESTS_SHARED_DIR"
# a worker waits this long for the other's build (the longest, a connector pair, takes minutes)
LOCK_TIMEOUT_S = 1800
T = TypeVar("T")


def shared_dir() -> Path | None:
    """The run's shared directory in an xdist worker; None in one process."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return None
    value = os.environ.get(ENV)
    return Path(value) if value else None


def once(
    name: str,
    build: Callable[[], T],
    save: Callable[[T, Path], None],
    load: Callable[[Path], T],
) -> T:
    """``build()`` in the first worker that asks, which ``save``s it under the shared directory;
    ``load`` in the others. A failed build leaves nothing behind: the next worker tries again,
    and fails in its own tests too."""
    root = shared_dir()
    if root is None:
        return build()
    place = root / name
    with FileLock(str(root / f"{name}.lock"), timeout=LOCK_TIMEOUT_S):
        if (place / "done").exists():
            return load(place)
        value = build()
        place.mkdir(exist_ok=True)
        save(value, place)
        (place / "done").touch()
        return value


# ------------------------------------------------------------------------------------- DuckDB


def save_duckdb(wh: Warehouse, place: Path) -> None:
    """Checkpoint (dbt-duckdb may hold recent changes in the write-ahead log) and copy the file:
    the copy under ``place`` is never opened, only copied again."""
    assert wh.duckdb_path is not None
    wh.execute("checkpoint")
    shutil.copyfile(wh.duckdb_path, place / wh.duckdb_path.name)
    wal = Path(f"{wh.duckdb_path}.wal")
    if wal.exists():
        shutil.copyfile(wal, place / f"{wh.duckdb_path.name}.wal")


def load_duckdb(place: Path, name: str, into: Path) -> Warehouse:
    """A worker's own copy of the DuckDB file ``name`` saved under ``place``."""
    for suffix in ("", ".wal"):
        if (place / f"{name}{suffix}").exists():
            shutil.copyfile(place / f"{name}{suffix}", into / f"{name}{suffix}")
    return replace(Warehouse.from_env("duckdb"), duckdb_path=into / name)


def duckdb_once(name: str, build: Callable[[], Warehouse], directory: Path) -> Warehouse:
    """`once` for a book on one DuckDB file: the other workers copy the file into ``directory``."""
    assert directory.is_dir()

    def load(place: Path) -> Warehouse:
        return load_duckdb(place, "warehouse.duckdb", directory)

    return once(name, build, save_duckdb, load)


def save_object(value: object, place: Path) -> None:
    (place / "object.pickle").write_bytes(pickle.dumps(value))


def load_object(place: Path) -> object:
    return pickle.loads((place / "object.pickle").read_bytes())


# ----------------------------------------------------------------------------------- Postgres


def shared_cluster() -> PgCluster:
    """The run's Postgres server: started by the first worker that needs it, stopped by the
    controller (`stop_shared_cluster`), never by a worker."""

    def save(cluster: PgCluster, place: Path) -> None:
        fields = {**asdict(cluster), "base": str(cluster.base)}
        (place / "cluster.json").write_text(json.dumps(fields))

    # under the shared directory: if this worker dies before saving, the controller still
    # finds the server and stops it
    return once("pg_cluster", lambda: PgCluster.start(parent=shared_dir()), save, cluster_at)


def cluster_at(place: Path) -> PgCluster:
    fields = json.loads((place / "cluster.json").read_text())
    return PgCluster(**{**fields, "base": Path(fields["base"])})


# ---------------------------------------------------------------------------------- controller


def start_run(dist: str) -> None:
    """In the xdist controller, before the workers start: the run's shared directory. Only
    when each test file runs in one worker (--dist loadfile or loadscope): the workers then
    share one Postgres server, and a file's databases have names no other file uses; split
    across workers, one file's module fixtures would build the same database twice."""
    if dist in ("loadfile", "loadscope"):
        os.environ[ENV] = tempfile.mkdtemp(prefix="customer-health-tests-")
        os.chmod(os.environ[ENV], 0o755)  # the shared server's files belong to `postgres`


def end_run() -> None:
    """In the xdist controller, after the workers stopped: stop the shared server, remove the
    directory."""
    value = os.environ.pop(ENV, None)
    if not value:
        return
    root = Path(value)
    PgCluster.stop_under(root)
    shutil.rmtree(root, ignore_errors=True)
