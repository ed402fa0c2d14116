"""The books the xdist workers share (tests/python/shared_builds.py): built once per run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from . import shared_builds


def test_the_workers_of_a_run_share_a_directory_and_one_process_has_none(
    pytestconfig: pytest.Config,
) -> None:
    """`make test` runs two workers a file at a time: without the shared directory each would
    build every book. Split otherwise (or in one process), nothing is shared."""
    in_worker = bool(os.environ.get("PYTEST_XDIST_WORKER"))
    by_file = getattr(pytestconfig.option, "dist", "no") in ("loadfile", "loadscope")
    root = shared_builds.shared_dir()
    assert (root is not None) == (in_worker and by_file)
    if root is not None:
        assert root.is_dir()


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
