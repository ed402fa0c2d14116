"""Every connector, end to end: the same book landed as connectors and as the contract gives the
same marts, score for score (DuckDB); Postgres builds the connector landing to the same marts
as DuckDB; both reconciliations add up; the run, the gate and doctor see the shapes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customer_health import dbt as dbt_runner
from customer_health import identity, orchestrate, shapes
from customer_health.doctor import diagnose
from customer_health.warehouse import Warehouse

from . import harness
from .conftest import COMBO_A

# Public relations compared between the connector and contract builds, with their keys.
COMPARED = {
    "marts.mart_account_health": ["account_id"],
    "marts.mart_account_health_history": ["account_id", "score_date"],
    "marts.mart_account_health_factors": ["account_id", "factor_name"],
    "marts.mart_health_alerts": ["alert_id"],
    "marts.mart_portfolio_health": ["org_id", "dimension_name", "dimension_value"],
}


def _sorted(wh: Warehouse, relation: str, keys: list[str]) -> pd.DataFrame:
    frame = wh.query_df(f"select * from {relation}")
    return frame.sort_values(keys, na_position="first").reset_index(drop=True)


def assert_same(left: pd.DataFrame, right: pd.DataFrame, what: str) -> None:
    assert len(left) == len(right) > 0, f"{what}: {len(left)} rows vs {len(right)}"
    for col in left.columns:
        a, b = left[col], right[col]
        if pd.api.types.is_numeric_dtype(a) and not pd.api.types.is_bool_dtype(a):
            np.testing.assert_allclose(
                a.astype(float).to_numpy(),
                b.astype(float).to_numpy(),
                rtol=0,
                atol=1e-9,
                equal_nan=True,
                err_msg=f"{what}.{col}",
            )
        else:
            x = [
                str(pd.Timestamp(v))
                if col.endswith(("_date", "_at")) and pd.notna(v)
                else (str(v) if pd.notna(v) else None)
                for v in a
            ]
            y = [
                str(pd.Timestamp(v))
                if col.endswith(("_date", "_at")) and pd.notna(v)
                else (str(v) if pd.notna(v) else None)
                for v in b
            ]
            assert x == y, f"{what}.{col}"


@pytest.mark.parametrize("relation", sorted(COMPARED))
@pytest.mark.parametrize("combo", ["combo_a", "combo_b"])
def test_connectors_give_the_marts_of_the_contract(
    request: pytest.FixtureRequest, combo: str, relation: str
) -> None:
    pair: harness.Pair = request.getfixturevalue(combo)
    keys = COMPARED[relation]
    assert_same(
        _sorted(pair.connector, relation, keys),
        _sorted(pair.equivalent, relation, keys),
        f"{combo} {relation}",
    )


@pytest.mark.parametrize("combo", ["combo_a", "combo_b"])
def test_every_connector_row_is_accounted_for(request: pytest.FixtureRequest, combo: str) -> None:
    pair: harness.Pair = request.getfixturevalue(combo)
    assert harness.reconciliation_gaps(pair.connector).empty
    rec = pair.connector.query_df("select * from quarantine.connector_reconciliation")
    connectors = {name for _, name in pair.shapes.connectors()}
    assert set(rec["connector"]) == connectors
    assert (rec["connector_rows"] == rec["mapped_rows"] + rec["unused_rows"]).all()
    assert rec["mapped_rows"].sum() > 0


@pytest.mark.parametrize("combo", ["combo_a", "combo_b"])
def test_the_identity_map_matches_every_record_of_the_demo_book(
    request: pytest.FixtureRequest, combo: str
) -> None:
    pair: harness.Pair = request.getfixturevalue(combo)
    counts = identity.identity_counts(pair.connector)
    assert counts is not None
    systems = counts["systems"]
    expected = {name for family, name in pair.shapes.connectors() if family != "crm"}
    if pair.shapes.crm == pair.shapes.support:  # HubSpot support under HubSpot CRM: no map
        expected.discard(pair.shapes.support)
    assert set(systems) == expected
    for system, entry in systems.items():
        assert entry["records"] > 0, system
        assert entry["matched"] == entry["records"], (system, counts["problems"][:3])
        # the demo book links some records by an explicit id and the others by domain only
        assert set(entry["by_method"]) == {"explicit_id", "domain"}, (system, entry)


@pytest.mark.postgres
@pytest.mark.parametrize("relation", sorted(COMPARED))
@pytest.mark.parametrize("combo", ["combo_a", "combo_b"])
def test_postgres_builds_the_connector_landing_to_the_same_marts(
    request: pytest.FixtureRequest, combo: str, relation: str
) -> None:
    pair: harness.Pair = request.getfixturevalue(combo)
    pg: Warehouse = request.getfixturevalue(f"{combo}_pg")
    keys = COMPARED[relation]
    assert_same(
        _sorted(pg, relation, keys),
        _sorted(pair.connector, relation, keys),
        f"pg {combo} {relation}",
    )


@pytest.mark.postgres
@pytest.mark.parametrize("combo", ["combo_a", "combo_b"])
def test_postgres_reconciles_connector_rows(request: pytest.FixtureRequest, combo: str) -> None:
    pg: Warehouse = request.getfixturevalue(f"{combo}_pg")
    assert harness.reconciliation_gaps(pg).empty


def test_doctor_recognises_the_shapes_and_reports_match_rates(
    combo_a: harness.Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    for family, name in COMBO_A.connectors():
        monkeypatch.setenv(f"CUSTOMER_HEALTH_{family.upper()}_SHAPE", name)
    findings = diagnose(combo_a.connector, dbt_runner.project_dir())
    chosen = {c.connector: c.chosen_for for c in findings.connectors}
    assert chosen == {
        "salesforce": ["crm"],
        "zendesk": ["support"],
        "stripe": ["billing"],
        "pendo": ["usage"],
    }
    assert all(c.tables for c in findings.connectors)
    assert findings.identity is not None
    assert {s: e["match_rate"] for s, e in findings.identity["systems"].items()} == {
        "zendesk": 1.0,
        "stripe": 1.0,
        "pendo": 1.0,
    }
    # the contract tables of families read from connectors are not reported as missing
    assert not [t for t in findings.tables if t.table.split(".")[0] in {"crm", "support"}]
    assert not findings.blocking, [p.message for p in findings.blocking]


def test_doctor_says_when_connector_tables_are_present_but_not_read(
    combo_b: harness.Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    for family in shapes.SHAPES:
        monkeypatch.delenv(f"CUSTOMER_HEALTH_{family.upper()}_SHAPE", raising=False)
    findings = diagnose(combo_b.connector, dbt_runner.project_dir())
    codes = {(p.code, p.table) for p in findings.problems}
    assert ("connector_not_chosen", "hubspot.*") in codes
    assert ("connector_not_chosen", "segment.*") in codes
    advice = next(p for p in findings.problems if p.table == "segment.*")
    assert "CUSTOMER_HEALTH_USAGE_SHAPE=segment" in advice.next_step


def test_run_gates_builds_and_summarises_a_connector_landing(
    combo_a: harness.Pair, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    out = Path(str(tmp_path))
    lines: list[str] = []
    result = orchestrate.run_pipeline(
        combo_a.connector,
        as_of_date=harness.AS_OF,
        summary_path=out / "run_summary.json",
        docs_dir=out / "data_docs",
        dbt_vars=COMBO_A.dbt_vars(),
        echo=lambda message="", **_: lines.append(str(message)),
    )
    assert result.exit_code == 0, "\n".join(lines)
    suites = {s["suite"] for s in result.summary["suites"]}
    assert {
        "connector.salesforce",
        "connector.zendesk",
        "connector.stripe",
        "connector.pendo",
    } <= suites
    # the contract tables the connectors replace are not gated
    assert not any(s.startswith(("source.crm.", "source.support.")) for s in suites)
    assert result.summary["identity"]["systems"]["stripe"]["match_rate"] == 1.0
    assert any(line.strip().startswith("Identity map: ") for line in lines)
