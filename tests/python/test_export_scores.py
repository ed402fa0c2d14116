"""`customer-health export-scores`: per CRM account id, only what changed since the last export
(unless --full), as CSV, JSON lines, and Salesforce and HubSpot update payloads."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from customer_health.cli import main
from customer_health.delivery import state, writeback
from customer_health.warehouse import Warehouse

from .conftest import copy_duckdb
from .connectors import harness


@pytest.fixture
def wh(duck_built: Warehouse, tmp_path: Path) -> Warehouse:
    return copy_duckdb(duck_built, tmp_path)


def mart_ids(wh: Warehouse) -> set[str]:
    return set(wh.query_df("select account_id from marts.mart_account_health")["account_id"])


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def files_by_name(report: writeback.ExportReport) -> dict[str, Path]:
    return {p.name: p for p in report.files}


def test_contract_shape_exports_account_ids_then_nothing_then_what_changed(
    wh: Warehouse, tmp_path: Path
) -> None:
    out = tmp_path / "writeback"
    first = writeback.run_export(wh, out)
    ids = mart_ids(wh)
    assert first.accounts == first.changed == len(ids) and first.unchanged == 0
    files = files_by_name(first)
    rows = read_csv(files["scores.csv"])
    assert [r["crm_account_id"] for r in rows] == sorted(ids)
    assert list(rows[0]) == list(writeback.FIELDS)
    lines = [json.loads(x) for x in files["scores.jsonl"].read_text().splitlines()]
    assert {x["crm_account_id"] for x in lines} == ids
    sample = wh.query_df(
        "select account_id, final_tier, trend_direction, top_drivers, explanation, "
        "recommended_action, score_date from marts.mart_account_health order by account_id limit 1"
    ).iloc[0]
    row = next(x for x in lines if x["crm_account_id"] == sample["account_id"])
    assert row["health_tier"] == sample["final_tier"]
    assert row["trend_direction"] == sample["trend_direction"]
    assert row["top_drivers"] == sample["top_drivers"]
    assert row["explanation"] == sample["explanation"]
    assert row["recommended_action"] == sample["recommended_action"]
    assert row["score_date"] == str(sample["score_date"])[:10]
    hashes = state.export_hashes(wh)
    assert set(hashes) == ids

    second = writeback.run_export(wh, out)
    assert second.changed == 0 and second.unchanged == len(ids)
    assert second.directory is None and second.files == []
    assert len(list(out.iterdir())) == 1, "an export with no change writes no files"

    changed = sorted(ids)[:2]
    wh.execute(
        "update marts.mart_account_health set health_score = health_score - 7.5 "
        f"where account_id in ('{changed[0]}', '{changed[1]}')"
    )
    third = writeback.run_export(wh, out)
    assert third.changed == 2 and third.unchanged == len(ids) - 2
    assert [r["crm_account_id"] for r in read_csv(files_by_name(third)["scores.csv"])] == changed
    assert third.directory != first.directory

    full = writeback.run_export(wh, out, full=True)
    assert full.changed == len(ids)
    assert len(read_csv(files_by_name(full)["scores.csv"])) == len(ids)


def test_salesforce_and_hubspot_payload_shapes_and_batching(wh: Warehouse, tmp_path: Path) -> None:
    report = writeback.run_export(wh, tmp_path / "out")
    files = files_by_name(report)
    n = report.changed
    assert n > writeback.HUBSPOT_BATCH, "the book must be big enough to need several batches"
    salesforce = sorted(p for name, p in files.items() if name.startswith("salesforce_account_"))
    hubspot = sorted(p for name, p in files.items() if name.startswith("hubspot_companies_"))
    assert len(salesforce) == -(-n // writeback.SALESFORCE_BATCH)
    assert len(hubspot) == -(-n // writeback.HUBSPOT_BATCH)

    records = []
    for path in salesforce:
        body = json.loads(path.read_text())
        assert set(body) == {"allOrNone", "records"} and body["allOrNone"] is False
        assert 0 < len(body["records"]) <= writeback.SALESFORCE_BATCH
        records.extend(body["records"])
    assert len(records) == n
    first = records[0]
    assert first["attributes"] == {"type": "Account"}
    fields = writeback.DEFAULT_MAPPING["salesforce"]["fields"]
    assert set(first) == {"attributes", "Id", *fields.values()}
    assert all(name.endswith("__c") for name in fields.values())
    assert isinstance(first["Health_Score__c"], float)
    assert {r["Id"] for r in records} == mart_ids(wh)

    inputs = []
    for path in hubspot:
        body = json.loads(path.read_text())
        assert set(body) == {"inputs"}
        assert 0 < len(body["inputs"]) <= writeback.HUBSPOT_BATCH
        inputs.extend(body["inputs"])
    assert [len(json.loads(p.read_text())["inputs"]) for p in hubspot][0] == 100
    assert len(inputs) == n and {i["id"] for i in inputs} == mart_ids(wh)
    properties = writeback.DEFAULT_MAPPING["hubspot"]["properties"]
    assert set(inputs[0]) == {"id", "properties"}
    assert set(inputs[0]["properties"]) == set(properties.values())
    assert all(isinstance(v, str) for i in inputs for v in i["properties"].values())


def test_field_mapping_file_renames_and_drops_fields(wh: Warehouse, tmp_path: Path) -> None:
    mapping_file = tmp_path / "mapping.yml"
    mapping_file.write_text(
        "salesforce:\n"
        "  fields:\n"
        "    health_score: CS_Health__c\n"
        "    explanation: null\n"
        "hubspot:\n"
        "  properties:\n"
        "    health_tier: cs_tier\n"
    )
    mapping = writeback.load_mapping(mapping_file)
    report = writeback.run_export(wh, tmp_path / "out", mapping)
    files = files_by_name(report)
    record = json.loads(files["salesforce_account_001.json"].read_text())["records"][0]
    assert "CS_Health__c" in record and "Health_Score__c" not in record
    assert "Health_Explanation__c" not in record and "Health_Tier__c" in record
    props = json.loads(files["hubspot_companies_001.json"].read_text())["inputs"][0]["properties"]
    assert "cs_tier" in props and "health_tier" not in props

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"salesforce": {"fields": {"helth_score": "X__c"}}}))
    with pytest.raises(writeback.MappingError, match="helth_score"):
        writeback.load_mapping(bad)
    result = CliRunner().invoke(
        main, ["export-scores", "--mapping", str(bad), "--target", "duckdb"], env=wh.env()
    )
    assert result.exit_code == 2 and "helth_score" in result.output


def test_cli_prints_counts_paths_and_state(wh: Warehouse, tmp_path: Path) -> None:
    out = tmp_path / "cli"
    args = ["export-scores", "--output-dir", str(out), "--target", "duckdb"]
    first = CliRunner().invoke(main, args, env=wh.env())
    assert first.exit_code == 0, first.output
    n = len(mart_ids(wh))
    assert f"changed since the last export: {n:,}; unchanged: 0" in first.output
    assert "scores.csv" in first.output and "hubspot_companies_001.json" in first.output
    assert "delivery.score_exports" in first.output
    second = CliRunner().invoke(main, args, env=wh.env())
    assert f"changed since the last export: 0; unchanged: {n:,}" in second.output
    assert "Nothing changed: no files written." in second.output
    full = CliRunner().invoke(main, [*args, "--full"], env=wh.env())
    assert f"all written (--full): {n:,}" in full.output


def test_salesforce_crm_exports_the_salesforce_ids(combo_a: harness.Pair, tmp_path: Path) -> None:
    wh = copy_duckdb(combo_a.connector, tmp_path)
    report = writeback.run_export(wh, tmp_path / "out")
    files = files_by_name(report)
    rows = read_csv(files["scores.csv"])
    ids = {r["crm_account_id"] for r in rows}
    assert ids and all(len(i) == 18 and i.startswith("001") for i in ids)
    assert ids <= set(combo_a.landing.crm_ids.values())
    # the contract build of the same book (its account ids renamed to the CRM's, as the
    # connector path should reproduce them) exports the same ids, with the same scores
    (tmp_path / "equivalent").mkdir()
    equivalent = copy_duckdb(combo_a.equivalent, tmp_path / "equivalent")
    twin = read_csv(files_by_name(writeback.run_export(equivalent, tmp_path / "eq"))["scores.csv"])
    assert {r["crm_account_id"]: r["health_score"] for r in twin} == {
        r["crm_account_id"]: r["health_score"] for r in rows
    }
    records = json.loads(files["salesforce_account_001.json"].read_text())["records"]
    assert {r["Id"] for r in records} <= ids
