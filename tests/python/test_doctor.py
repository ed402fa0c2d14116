"""`customer-health doctor` on the two hand-written foreign books and on broken inputs.

The doctor only reads the raw tables (no dbt): each book is loaded once per engine, and the
broken inputs are tiny frames, damaged with one statement each.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from customer_health import contract, loader
from customer_health.cli import main
from customer_health.doctor import EXIT_BLOCKING, EXIT_OK, Findings, diagnose
from customer_health.warehouse import Warehouse

from . import foreign_book, foreign_book_2
from .conftest import duckdb_warehouse, pg_warehouse

PROJECT = Path(__file__).resolve().parents[2]


def doctor(wh: Warehouse, tmp: Path) -> tuple[int, dict[str, Any], str]:
    """The command as a user runs it: its exit code, its JSON and what it printed."""
    path = tmp / "doctor.json"
    path.unlink(missing_ok=True)
    result = CliRunner().invoke(
        main, ["doctor", "--target", wh.engine, "--json", str(path)], env=wh.env()
    )
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, json.loads(path.read_text()), result.output


def _warehouse(request: pytest.FixtureRequest, tmp: Path, name: str) -> Warehouse:
    if request.param == "duckdb":
        return duckdb_warehouse(tmp, f"{name}.duckdb")
    return pg_warehouse(request.getfixturevalue("pg_cluster"), f"customer_health_doctor_{name}")


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def books(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """Both foreign books, loaded once per engine, with the doctor's verdict on each."""
    tmp = tmp_path_factory.mktemp(f"doctor_{request.param}")
    out: dict[str, Any] = {}
    for name, book in (("book1", foreign_book), ("book2", foreign_book_2)):
        wh = _warehouse(request, tmp, name)
        loader.load_frames(wh, book.frames())
        (tmp / name).mkdir()
        out[name] = (wh, *doctor(wh, tmp / name), diagnose(wh, PROJECT))
    yield out


# --------------------------------------------------------------------------- foreign book 1
def test_book_1_can_be_built(books: dict[str, Any]) -> None:
    _, code, found, output, _ = books["book1"]
    assert code == EXIT_OK, output
    assert found["can_build"] is True
    assert [p for p in found["problems"] if p["severity"] == "blocking"] == []
    assert "A build can proceed" in output


def test_book_1_every_non_deleted_account_is_live_without_conflicts(books: dict[str, Any]) -> None:
    _, _, found, output, _ = books["book1"]
    live = {a[0] for a in foreign_book.ACCOUNTS if a[9] != "deleted"}
    life = found["lifecycle"]
    assert life["live_today"] == len(live) == 17
    assert life["by_status"] == {"live": 17, "churned": 0, "deleted": 1, "not_yet_customer": 0}
    assert life["episodes"] == 17 and life["reactivations"] == 0
    assert life["conflicts"]["total"] == 0
    assert "17 live today" in output


def test_book_1_every_family_has_data(books: dict[str, Any]) -> None:
    _, _, found, _, _ = books["book1"]
    assert {f: v["share"] for f, v in found["coverage"]["families"].items()} == {
        "usage": 1.0,
        "support": 1.0,
        "relationship": 1.0,
        "finance": 1.0,
    }


# --------------------------------------------------------------------------- foreign book 2
#: Book 2 has events without user_id. While the contract requires user_id, staging tests it
#: not_null and dbt build fails on them: the one blocking problem. Once the contract makes it
#: optional, they only cost the factors that count users, and the book can be built.
USER_ID_REQUIRED = next(
    c for c in contract.table("product", "events").columns if c.name == "user_id"
).required


def test_book_2_verdict(books: dict[str, Any]) -> None:
    _, code, found, output, _ = books["book2"]
    blocking = [(p["code"], p["column"]) for p in found["problems"] if p["severity"] == "blocking"]
    if USER_ID_REQUIRED:
        assert code == EXIT_BLOCKING, output
        assert blocking == [("values_blank", "user_id")]
        assert "blocking problem(s)" in output
    else:
        assert code == EXIT_OK, output
        assert blocking == []
    warnings = [p["code"] for p in found["problems"] if p["severity"] == "warning"]
    # what costs the scores most first: finance has no data at all
    assert warnings[0] == "family_missing"
    assert {"billing_active_after_churn", "usage_after_churn"} <= set(warnings)
    assert found["as_of_date"] == foreign_book_2.AS_OF_DATE.isoformat()


def test_book_2_live_count_episodes_and_reactivations(books: dict[str, Any]) -> None:
    _, _, found, output, findings = books["book2"]
    life = found["lifecycle"]
    assert life["live_today"] == len(foreign_book_2.LIVE_ACCOUNTS) == 15
    assert life["by_status"] == {
        "live": 15,
        "churned": len(foreign_book_2.CHURNED_ACCOUNTS),
        "deleted": 1,
        "not_yet_customer": 0,
    }
    assert life["episodes"] == len(foreign_book_2.EPISODES) == 26
    assert life["reactivations"] == len(foreign_book_2.REACTIVATIONS) == 3
    assert life["contractions"] == len(foreign_book_2.CONTRACTIONS)
    assert "15 live today" in output
    accounts = findings.life.accounts
    assert set(accounts.loc[accounts["is_live_today"], "account_id"]) == (
        foreign_book_2.LIVE_ACCOUNTS
    )
    assert _episodes(findings) == foreign_book_2.EPISODES


def test_book_2_outcomes(books: dict[str, Any]) -> None:
    findings: Findings = books["book2"][4]
    outcomes = findings.life.outcomes
    by_type = {
        kind: {(r.account_id, r.outcome_date) for r in rows.itertuples(index=False)}
        for kind, rows in outcomes.groupby("outcome_type")
    }
    assert by_type["contracted"] == {(a, d) for a, d, _ in foreign_book_2.CONTRACTIONS}
    assert by_type["reactivated"] == {(a, d) for a, d, _ in foreign_book_2.REACTIVATIONS}
    assert by_type["churned"] == {(a, d) for a, d, _ in foreign_book_2.CHURNS}


def test_book_2_conflicts(books: dict[str, Any]) -> None:
    _, _, found, output, findings = books["book2"]
    conflicts = findings.life.conflicts
    assert set(zip(conflicts["account_id"], conflicts["conflict_type"], strict=True)) == (
        foreign_book_2.CONFLICTS
    )
    by_type = found["lifecycle"]["conflicts"]["by_type"]
    assert {t: v["count"] for t, v in by_type.items()} == {
        "billing_active_after_churn": 2,
        "usage_after_churn": 1,
        "status_disagrees_with_billing": 3,
        "churn_bridged_by_billing": 0,
    }
    assert [s["account_id"] for s in by_type["usage_after_churn"]["samples"]] == ["B11"]
    assert "6 conflicts between sources" in output


def test_book_2_finance_is_missing(books: dict[str, Any]) -> None:
    _, _, found, output, _ = books["book2"]
    families = found["coverage"]["families"]
    assert {f: v["share"] for f, v in families.items()} == foreign_book_2.FAMILY_COVERAGE
    assert families["finance"]["empty_sources"] == sorted(foreign_book_2.EMPTY_TABLES)
    empty = {t["table"] for t in found["tables"] if t["empty"]}
    assert empty == set(foreign_book_2.EMPTY_TABLES)
    assert "no account will have a finance score" in output


def test_book_2_events_without_user_ids_are_counted(books: dict[str, Any]) -> None:
    _, _, found, _, _ = books["book2"]
    events = next(t for t in found["tables"] if t["table"] == "product.events")
    frame = foreign_book_2.frames()["product.events"]
    assert events["blank_values"]["user_id"]["rows"] == int(frame["user_id"].isna().sum()) > 0


def _episodes(findings: Findings) -> dict[tuple[str, int], tuple[date, date | None, str | None]]:
    return {
        (r.account_id, int(r.episode_number)): (
            r.episode_start_date,
            None if pd.isna(r.episode_end_date) else r.episode_end_date,
            None if pd.isna(r.end_reason) else r.end_reason,
        )
        for r in findings.life.episodes.itertuples(index=False)
    }


# --------------------------------------------------------------------------- broken inputs
TODAY = date(2026, 3, 31)


def tiny_frames() -> dict[str, pd.DataFrame]:
    """Three accounts, a subscription each, ten days of events."""
    accounts = ["T1", "T2", "T3"]
    days = [TODAY - timedelta(days=n) for n in range(10)]
    return {
        "crm.accounts": pd.DataFrame(
            dict(
                account_id=accounts,
                account_name=["Tiny One", "Tiny Two", "Tiny Three"],
                segment="smb",
                created_date="2025-01-01",
                _loaded_at="2026-03-31T23:00:00+00:00",
            )
        ),
        "billing.subscriptions": pd.DataFrame(
            dict(
                subscription_id=[f"S-{a}" for a in accounts],
                account_id=accounts,
                plan="starter",
                seats=5,
                mrr_amount=100,
                currency="USD",
                status="active",
                started_at="2025-01-01T00:00:00+00:00",
                _loaded_at="2026-03-31T23:00:00+00:00",
            )
        ),
        "product.events": pd.DataFrame(
            [
                dict(
                    event_id=f"E-{a}-{d}",
                    account_id=a,
                    user_id=f"U-{a}",
                    feature_key="reports",
                    occurred_at=f"{d}T10:00:00+00:00",
                    _loaded_at=f"{d}T11:00:00+00:00",
                )
                for a in accounts
                for d in days
            ]
        ),
        "product.features": pd.DataFrame(
            dict(feature_key=["reports"], feature_name=["Reports"], is_key_feature=[True])
        ),
    }


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def tiny(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Warehouse, Path]:
    tmp = tmp_path_factory.mktemp(f"doctor_tiny_{request.param}")
    return _warehouse(request, tmp, "tiny"), tmp


def _problems(found: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [p for p in found["problems"] if p["code"] == code]


def test_tiny_book_is_fine(tiny: tuple[Warehouse, Path]) -> None:
    wh, tmp = tiny
    loader.load_frames(wh, tiny_frames())
    code, found, output = doctor(wh, tmp)
    assert code == EXIT_OK, output
    assert found["lifecycle"]["live_today"] == 3


def test_a_missing_required_column_blocks(tiny: tuple[Warehouse, Path]) -> None:
    wh, tmp = tiny
    loader.load_frames(wh, tiny_frames())
    wh.execute("alter table raw_crm.accounts drop column segment")
    code, found, output = doctor(wh, tmp)
    assert code == EXIT_BLOCKING, output
    first = found["problems"][0]
    assert (first["severity"], first["code"], first["column"]) == (
        "blocking",
        "required_column_missing",
        "segment",
    )
    accounts = next(t for t in found["tables"] if t["table"] == "crm.accounts")
    assert accounts["missing_required_columns"] == ["segment"]
    assert "next: land column `segment` in raw_crm.accounts" in output


def test_a_missing_optional_column_blocks_with_the_statement_to_add_it(
    tiny: tuple[Warehouse, Path],
) -> None:
    wh, tmp = tiny
    loader.load_frames(wh, tiny_frames())
    wh.execute("alter table raw_crm.accounts drop column churn_date")
    code, found, output = doctor(wh, tmp)
    assert code == EXIT_BLOCKING, output
    [problem] = _problems(found, "optional_column_missing")
    assert problem["next"].startswith("`alter table raw_crm.accounts add column churn_date date`")


def test_an_empty_accounts_table_blocks(tiny: tuple[Warehouse, Path]) -> None:
    wh, tmp = tiny
    frames = tiny_frames()
    del frames["crm.accounts"]
    loader.load_frames(wh, frames)
    code, found, output = doctor(wh, tmp)
    assert code == EXIT_BLOCKING, output
    first = found["problems"][0]
    assert (first["code"], first["table"]) == ("required_table_empty", "crm.accounts")
    assert found["lifecycle"] is None
    assert "load your CRM's customer accounts" in output


def test_a_text_date_column_that_does_not_parse_is_reported_with_samples(
    tiny: tuple[Warehouse, Path],
) -> None:
    wh, tmp = tiny
    loader.load_frames(wh, tiny_frames())
    text = "varchar" if wh.engine == "duckdb" else "text"
    wh.execute(
        f"alter table raw_crm.accounts alter column created_date type {text}",
        "update raw_crm.accounts set created_date = 'N/A' where account_id = 'T1'",
        "update raw_crm.accounts set created_date = '31/02/2025' where account_id = 'T2'",
    )
    code, found, output = doctor(wh, tmp)
    assert code == EXIT_BLOCKING, output  # 2 of 3 rows would be quarantined
    [problem] = _problems(found, "unparseable_text")
    assert (problem["severity"], problem["column"]) == ("blocking", "created_date")
    accounts = next(t for t in found["tables"] if t["table"] == "crm.accounts")
    [types] = accounts["type_problems"]
    assert types["expected"] == "date" and types["unparseable_rows"] == 2
    assert types["unparseable_share"] == pytest.approx(2 / 3, abs=1e-3)
    assert sorted(types["samples"]) == ["31/02/2025", "N/A"]
    assert "'N/A'" in output


def test_a_few_unparseable_dates_only_warn(tiny: tuple[Warehouse, Path]) -> None:
    wh, tmp = tiny
    loader.load_frames(wh, tiny_frames())
    text = "varchar" if wh.engine == "duckdb" else "text"
    wh.execute(
        f"alter table raw_product.events alter column occurred_at type {text}",
        "update raw_product.events set occurred_at = 'yesterday' "
        "where event_id = 'E-T1-2026-03-22'",
    )
    code, found, output = doctor(wh, tmp)
    assert code == EXIT_OK, output  # 1 of 30 events: quarantined, the load is fine
    [problem] = _problems(found, "unparseable_text")
    assert (problem["severity"], problem["table"]) == ("warning", "product.events")


def test_an_extra_column_is_ignored(tiny: tuple[Warehouse, Path]) -> None:
    wh, tmp = tiny
    loader.load_frames(wh, tiny_frames())
    wh.execute("alter table raw_crm.accounts add column favourite_colour varchar")
    code, found, output = doctor(wh, tmp)
    assert code == EXIT_OK, output
    [problem] = _problems(found, "extra_columns")
    assert problem["severity"] == "info" and "favourite_colour" in problem["message"]
    accounts = next(t for t in found["tables"] if t["table"] == "crm.accounts")
    assert accounts["extra_columns"] == ["favourite_colour"]
