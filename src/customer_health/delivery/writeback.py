"""``customer-health export-scores``: the current scores, per CRM account, as files a reverse-ETL
job (or a script) sends to the CRM. No network call.

Per account of ``marts.mart_account_health``: the CRM's account id, the score, the tier to act
on, the trend, the top drivers, the explanation, the action and the date scored. Written as
``scores.csv`` and ``scores.jsonl``, and as request bodies for Salesforce's sObject Collections
update (``PATCH /services/data/vXX.X/composite/sobjects``, 200 records per request) and
HubSpot's ``POST /crm/v3/objects/companies/batch/update`` (100 inputs per request).

Only the accounts whose exported values changed since the last export are written (unless
``full``): ``delivery.score_exports`` keeps a hash per account. The date scored is not in the
hash, or every account would change every day.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from customer_health.delivery import state
from customer_health.warehouse import Warehouse

ACCOUNTS = "marts.mart_account_health"
IDENTITY_MAP = "intermediate.int_identity__account_map"
SALESFORCE_BATCH = 200  # the sObject Collections limit per request
HUBSPOT_BATCH = 100  # the batch update limit per request

# what is exported, in order; crm_account_id first
FIELDS = (
    "crm_account_id",
    "account_name",
    "org_id",
    "health_score",
    "health_tier",
    "trend_direction",
    "top_drivers",
    "explanation",
    "recommended_action",
    "score_date",
)
# the values whose change makes an account due for export
HASHED = (
    "crm_account_id",
    "health_score",
    "health_tier",
    "trend_direction",
    "top_drivers",
    "explanation",
    "recommended_action",
)

DEFAULT_MAPPING: dict[str, Any] = {
    "salesforce": {
        "object": "Account",
        "fields": {
            "health_score": "Health_Score__c",
            "health_tier": "Health_Tier__c",
            "trend_direction": "Health_Trend__c",
            "top_drivers": "Health_Top_Drivers__c",
            "explanation": "Health_Explanation__c",
            "recommended_action": "Health_Next_Action__c",
            "score_date": "Health_Scored_On__c",
        },
    },
    "hubspot": {
        "object": "companies",
        "properties": {
            "health_score": "health_score",
            "health_tier": "health_tier",
            "trend_direction": "health_trend",
            "top_drivers": "health_top_drivers",
            "explanation": "health_explanation",
            "recommended_action": "health_next_action",
            "score_date": "health_scored_on",
        },
    },
}


class MappingError(ValueError):
    """The field mapping file cannot be used."""


def load_mapping(path: Path | None) -> dict[str, Any]:
    """The defaults, overlaid with a YAML or JSON file of the same shape. A field mapped to
    null (or an empty name) is not written."""
    mapping = json.loads(json.dumps(DEFAULT_MAPPING))
    if path is None:
        return mapping
    import yaml

    try:
        given = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(f"cannot read the mapping file {path}: {exc}") from exc
    if not isinstance(given, dict):
        raise MappingError(f"{path}: expected a mapping with salesforce and/or hubspot")
    for system, section in given.items():
        if system not in mapping or not isinstance(section, dict):
            raise MappingError(f"{path}: unknown section {system!r} (use salesforce, hubspot)")
        names = "fields" if system == "salesforce" else "properties"
        for key, value in section.items():
            if key == "object":
                mapping[system]["object"] = str(value)
            elif key == names and isinstance(value, dict):
                unknown = sorted(set(value) - set(FIELDS[1:]))
                if unknown:
                    raise MappingError(
                        f"{path}: {system}.{names} has unknown fields {unknown}; "
                        f"known: {', '.join(FIELDS[1:])}"
                    )
                mapping[system][names].update(value)
            else:
                raise MappingError(f"{path}: unknown key {system}.{key}")
    return mapping


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def load_scores(wh: Warehouse) -> list[dict[str, Any]]:
    """The current score of every account, with its CRM id and, when HubSpot is a connector
    but not the CRM, the HubSpot company the identity map matched to it."""
    frame = wh.query_df(
        f"""
        select
            account_id,
            account_id as crm_account_id,
            account_name,
            org_id,
            round(health_score, 1) as health_score,
            final_tier as health_tier,
            trend_direction,
            top_drivers,
            explanation,
            recommended_action,
            score_date
        from {ACCOUNTS}
        order by account_id
        """
    )
    rows = [{k: _clean(v) for k, v in r.items()} for r in frame.to_dict(orient="records")]
    hubspot = _hubspot_companies(wh)
    for row in rows:
        row["hubspot_company_id"] = hubspot.get(row["account_id"], row["crm_account_id"])
    return rows


def _hubspot_companies(wh: Warehouse) -> dict[str, str]:
    """CRM account id -> HubSpot company id, from the identity map (only when HubSpot lands
    tickets next to another CRM; a CRM account matched by several companies keeps its own id)."""
    try:
        frame = wh.query_df(
            f"select crm_account_id, min(source_account_id) as company_id, count(*) as companies "
            f"from {IDENTITY_MAP} where source_system = 'hubspot' and match_status = 'matched' "
            "group by crm_account_id"
        )
    except Exception:  # noqa: BLE001 - the map exists only with a connector shape
        return {}
    one = frame[frame["companies"] == 1]
    return dict(zip(one["crm_account_id"].astype(str), one["company_id"].astype(str), strict=True))


def row_hash(row: dict[str, Any]) -> str:
    values = [None if row.get(k) is None else str(row.get(k)) for k in HASHED]
    return hashlib.sha256(json.dumps(values).encode()).hexdigest()


def salesforce_batches(rows: list[dict[str, Any]], mapping: dict[str, Any]) -> list[dict]:
    """sObject Collections update bodies, 200 records each."""
    section = mapping["salesforce"]
    fields = {k: v for k, v in section["fields"].items() if v}
    records = [
        {
            "attributes": {"type": section["object"]},
            "Id": row["crm_account_id"],
            **{name: row.get(column) for column, name in fields.items()},
        }
        for row in rows
    ]
    return [
        {"allOrNone": False, "records": records[i : i + SALESFORCE_BATCH]}
        for i in range(0, len(records), SALESFORCE_BATCH)
    ]


def hubspot_batches(rows: list[dict[str, Any]], mapping: dict[str, Any]) -> list[dict]:
    """``batch/update`` bodies, 100 inputs each. HubSpot takes property values as strings."""
    props = {k: v for k, v in mapping["hubspot"]["properties"].items() if v}
    inputs = [
        {
            "id": str(row["hubspot_company_id"]),
            "properties": {
                name: "" if row.get(column) is None else str(row.get(column))
                for column, name in props.items()
            },
        }
        for row in rows
    ]
    return [{"inputs": inputs[i : i + HUBSPOT_BATCH]} for i in range(0, len(inputs), HUBSPOT_BATCH)]


@dataclass
class ExportReport:
    accounts: int = 0
    changed: int = 0
    unchanged: int = 0
    full: bool = False
    directory: Path | None = None
    files: list[Path] = field(default_factory=list)
    state_relation: str = state.SCORE_EXPORTS


def _run_directory(output_dir: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate, n = output_dir / stamp, 1
    while candidate.exists():
        n += 1
        candidate = output_dir / f"{stamp}-{n}"
    return candidate


def _write_json(path: Path, body: Any) -> Path:
    path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def write_files(
    rows: list[dict[str, Any]], directory: Path, mapping: dict[str, Any], object_name: str
) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    files = [directory / "scores.csv", directory / "scores.jsonl"]
    with files[0].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(FIELDS), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    with files[1].open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps({k: row.get(k) for k in FIELDS}, ensure_ascii=False) + "\n")
    for n, body in enumerate(salesforce_batches(rows, mapping), start=1):
        files.append(_write_json(directory / f"salesforce_{object_name}_{n:03d}.json", body))
    for n, body in enumerate(hubspot_batches(rows, mapping), start=1):
        name = mapping["hubspot"]["object"]
        files.append(_write_json(directory / f"hubspot_{name}_{n:03d}.json", body))
    return files


def run_export(
    wh: Warehouse, output_dir: Path, mapping: dict[str, Any] | None = None, full: bool = False
) -> ExportReport:
    """Write what changed since the last export (everything with ``full``) into a new
    directory under ``output_dir``, then remember it in the warehouse."""
    mapping = mapping or load_mapping(None)
    state.ensure_tables(wh)
    rows = load_scores(wh)
    previous = state.export_hashes(wh)
    hashes = {row["account_id"]: row_hash(row) for row in rows}
    due = [r for r in rows if full or previous.get(r["account_id"]) != hashes[r["account_id"]]]
    report = ExportReport(accounts=len(rows), changed=len(due), full=full)
    report.unchanged = report.accounts - report.changed
    if not due:
        return report
    report.directory = _run_directory(output_dir)
    object_name = str(mapping["salesforce"]["object"]).lower()
    report.files = write_files(due, report.directory, mapping, object_name)
    state.record_exports(
        wh,
        [
            (r["account_id"], r["crm_account_id"], hashes[r["account_id"]], r["score_date"])
            for r in due
        ],
    )
    return report
