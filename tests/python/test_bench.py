"""`make bench` adds its row to the table, above the notes written under it."""

from __future__ import annotations

from pathlib import Path

import pytest

from customer_health.bench import Figures, add_row

TABLE = "# Benchmarks\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\nA note under the table.\n"


def test_the_row_goes_after_the_last_row_of_the_table() -> None:
    text = add_row(TABLE, "| 3 | 4 |")
    assert text.splitlines()[4:7] == ["| 1 | 2 |", "| 3 | 4 |", ""]
    assert text.endswith("A note under the table.\n")


def test_a_file_without_a_table_gets_the_row_at_the_end() -> None:
    assert add_row("# Benchmarks\n", "| 3 | 4 |") == "# Benchmarks\n| 3 | 4 |\n"


def figures(engine: str = "duckdb", incremental_s: float = 0.5) -> Figures:
    """A measured engine: floor 2 s, full build 10 s."""
    return Figures(
        size="M",
        engine=engine,
        accounts=10,
        events=100,
        floor_s=2.0,
        full_s=10.0,
        incremental_s=incremental_s,
        peak_rss_mb=1024,
        memory_limit="3GB",
        warehouse_mb=12.0,
        slowest=[],
    )


def test_the_first_row_goes_under_an_empty_header() -> None:
    from customer_health.bench import HEADER

    text = add_row("# Benchmarks\n\n" + HEADER + "\n## Earlier\n", figures().row())
    lines = text.splitlines()
    assert lines[4].startswith("| ") and "| 5.0× |" in lines[4] and "| 5.0% |" in lines[4]
    assert lines[5:7] == ["", "## Earlier"]


def test_node_timings_are_summed_by_kind() -> None:
    from customer_health.bench import by_kind

    timings = [
        ("model.customer_health.a", 2.0),
        ("model.customer_health.b", 1.5),
        ("test.customer_health.unique_a_id.1", 0.25),
        ("unit_test.customer_health.a.t", 0.5),
    ]
    assert by_kind(timings) == {"model": (2, 3.5), "test": (1, 0.25), "unit_test": (1, 0.5)}


def test_an_engine_that_fails_keeps_the_rows_of_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Postgres build that ran out of disk after the DuckDB one had finished used to lose
    the DuckDB figures too."""
    from customer_health import bench

    def measured(engine: str, *args: object) -> Figures:
        if engine == "postgres":
            raise SystemExit("bench stage full on Postgres failed (see the output above)")
        return figures(engine, incremental_s=1.0)

    monkeypatch.setattr(bench, "_measure_engine", measured)
    out = tmp_path / "BENCHMARKS.md"
    with pytest.raises(SystemExit) as failed:
        bench.run("M", 10, 30, 1, ["duckdb", "postgres"], "3GB", out)
    message = str(failed.value)
    assert message.startswith("postgres: bench stage full on Postgres failed")
    assert "GB are free in" in message and "TMPDIR" in message and str(out) in message
    rows = [line for line in out.read_text().splitlines() if line.startswith("| 20")]
    assert len(rows) == 1 and "| duckdb |" in rows[0] and "| 5.0× |" in rows[0]


def test_the_out_folder_is_created_before_the_run(tmp_path: Path) -> None:
    """A run of many minutes used to end in FileNotFoundError, its figures lost, when the
    folder of --out did not exist."""
    from customer_health.bench import check_out

    out = tmp_path / "new" / "folder" / "BENCH.md"
    assert check_out(out) == out
    assert out.parent.is_dir() and not out.exists()
    with pytest.raises(SystemExit, match="not a file this user can write"):
        check_out(tmp_path / "new")


def test_rows_that_cannot_be_written_are_printed_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from customer_health import bench

    monkeypatch.setattr(bench, "_measure_engine", lambda engine, *a: figures(engine))
    out = tmp_path / "gone" / "BENCHMARKS.md"  # its folder does not exist: the write fails
    with pytest.raises(SystemExit, match="could not add the rows to .*printed above"):
        bench.run("M", 10, 30, 1, ["duckdb"], "3GB", out)
    printed = capsys.readouterr().out
    assert "| duckdb |" in printed and "slowest nodes of the full build on duckdb" in printed
