"""The books the xdist workers share (tests/python/shared_builds.py): built once per run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from . import shared_builds


def test_a_worker_sees_the_runs_directory_and_one_process_sees_none() -> None:
    in_worker = bool(os.environ.get("PYTEST_XDIST_WORKER"))
    root = shared_builds.shared_dir()
    if not in_worker:
        assert root is None
    elif root is not None:
        assert root.is_dir()


def test_the_controller_shares_only_when_each_file_runs_in_one_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Split across workers, one file's module fixtures would create the same database twice
    on the shared server. (monkeypatch puts back this run's own directory afterwards.)"""
    monkeypatch.delenv(shared_builds.ENV, raising=False)
    shared_builds.start_run("load")
    assert shared_builds.ENV not in os.environ
    shared_builds.start_run("loadfile")
    root = Path(os.environ[shared_builds.ENV])
    assert root.is_dir()
    shared_builds.end_run()
    assert shared_builds.ENV not in os.environ and not root.exists()


def test_make_test_runs_each_file_in_one_worker() -> None:
    """...so that `make test`'s workers share the books."""
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert "-n 2 --dist loadfile" in makefile


def test_the_first_caller_builds_and_the_others_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw9")
    monkeypatch.setenv(shared_builds.ENV, str(tmp_path))
    calls: list[str] = []

    def build() -> str:
        calls.append("build")
        return "built"

    def save(value: str, place: Path) -> None:
        (place / "value.txt").write_text(value)

    def load(place: Path) -> str:
        calls.append("load")
        return "loaded " + (place / "value.txt").read_text()

    assert shared_builds.once("book", build, save, load) == "built"
    assert shared_builds.once("book", build, save, load) == "loaded built"
    assert calls == ["build", "load"]


def test_a_failed_build_leaves_nothing_and_the_next_caller_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw9")
    monkeypatch.setenv(shared_builds.ENV, str(tmp_path))

    def broken() -> str:
        raise RuntimeError("dbt build failed")

    with pytest.raises(RuntimeError, match="dbt build failed"):
        shared_builds.once("book", broken, lambda v, p: None, lambda p: "stale")
    assert shared_builds.once("book", lambda: "rebuilt", lambda v, p: None, lambda p: "x") == (
        "rebuilt"
    )


def test_without_xdist_every_call_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    calls: list[int] = []

    def build() -> int:
        calls.append(len(calls) + 1)
        return calls[-1]

    built = [shared_builds.once("book", build, lambda v, p: None, lambda p: -1) for _ in (1, 2)]
    assert built == [1, 2]


def test_the_longest_files_named_to_run_first_exist() -> None:
    """A renamed file would drop out of the order silently and run last again."""
    from .conftest import LONGEST_FIRST

    here = Path(__file__).resolve().parent
    assert [name for name in LONGEST_FIRST if not (here / name).is_file()] == []


@pytest.mark.postgres
def test_the_controller_stops_a_server_whose_worker_died_before_saving_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker that starts the shared server and dies before writing cluster.json leaves a
    running server: the controller finds it under the run's directory and stops it."""
    import psycopg2

    from customer_health.pgcluster import PgCluster

    monkeypatch.delenv(shared_builds.ENV, raising=False)
    shared_builds.start_run("loadfile")
    root = Path(os.environ[shared_builds.ENV])
    cluster = PgCluster.start(parent=root)  # ... and nobody saves it
    assert cluster.base.parent == root
    psycopg2.connect(host=cluster.host, port=cluster.port, user=cluster.user).close()
    shared_builds.end_run()
    assert not root.exists()
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(host=cluster.host, port=cluster.port, user=cluster.user, connect_timeout=3)
