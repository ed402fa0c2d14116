"""`make bench` adds its row to the table, above the notes written under it."""

from __future__ import annotations

from customer_health.bench import add_row

TABLE = "# Benchmarks\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\nA note under the table.\n"


def test_the_row_goes_after_the_last_row_of_the_table() -> None:
    text = add_row(TABLE, "| 3 | 4 |")
    assert text.splitlines()[4:7] == ["| 1 | 2 |", "| 3 | 4 |", ""]
    assert text.endswith("A note under the table.\n")


def test_a_file_without_a_table_gets_the_row_at_the_end() -> None:
    assert add_row("# Benchmarks\n", "| 3 | 4 |") == "# Benchmarks\n| 3 | 4 |\n"
