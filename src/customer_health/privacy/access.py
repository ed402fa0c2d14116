"""Access requests: every row held about an account or a contact, written to one JSON file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from customer_health import dbt as dbt_runner
from customer_health.privacy import discovery, mentions
from customer_health.privacy.discovery import KINDS, Subject
from customer_health.privacy.erasure import matches
from customer_health.privacy.sql import NotFound, transaction
from customer_health.warehouse import Warehouse


@dataclass
class Export:
    subject: Subject
    path: Path
    row_counts: dict[str, int]
    mention_counts: dict[str, int]  # "schema.table.column" -> rows whose text mentions it


def export(wh: Warehouse, kind: str, id_: str, output: Path, names: tuple[str, ...] = ()) -> Export:
    """Write every row the project holds about an account or a contact to a JSON file: the
    rows that hold one of its ids, and the rows whose free text mentions it."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    layout = discovery.project_layout(wh)
    with transaction(wh, commit=False) as session:
        tables = discovery.tables(session, layout)
        relations = discovery.tables(session, layout, views=True)
        subject = discovery.resolve(session, tables, relations, kind, id_, names)
        needles = mentions.Needles.of(subject)
        found: dict[str, list[dict[str, Any]]] = {}
        mentioned: list[mentions.Mention] = []
        for table in tables:
            mentioned += mentions.find_mentions(session, table, needles)
            where = matches(table, subject, rebuildable=False)
            if where == "1 = 0":
                continue
            columns, rows = session.query(f"select * from {table.sql} where {where}")
            if rows:
                found[table.label] = [
                    {c: _jsonable(v) for c, v in zip(columns, row, strict=True)} for row in rows
                ]
    if not found and not mentioned:
        raise NotFound(
            f"no table in {wh.describe()} holds {kind} {id_!r}",
            "check the id (ids are case-sensitive; see raw_crm.accounts / raw_crm.contacts)",
        )
    mention_counts: dict[str, int] = {}
    for m in mentioned:
        where = f"{m.table}.{m.column}"
        mention_counts[where] = mention_counts.get(where, 0) + 1
    document = {
        "subject": {"kind": kind, "id": id_},
        "contacts": sorted(subject.contact_ids),
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "warehouse": wh.describe(),
        "row_counts": {name: len(rows) for name, rows in found.items()},
        "tables": found,
        "mention_counts": mention_counts,
        "mentions": [
            {
                "table": m.table,
                "column": m.column,
                "key": {k: _jsonable(v) for k, v in m.key.items()},
                "text": m.text,
            }
            for m in mentioned
        ],
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    return Export(subject, output, document["row_counts"], mention_counts)


def _jsonable(value: Any) -> Any:
    from customer_health.quality import jsonable

    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return jsonable(value)


def default_export_path(kind: str, id_: str) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in id_)
    return dbt_runner.project_dir() / "reports" / "exports" / f"{kind}_{safe}.json"
