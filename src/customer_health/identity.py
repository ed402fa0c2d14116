"""The identity map in numbers: how each connector's account records were matched to CRM
accounts (``intermediate.int_identity__account_map``, docs/connectors.md). Read by the run
summary and by ``customer-health doctor``."""

from __future__ import annotations

from typing import Any

from customer_health.warehouse import Warehouse

RELATION = "intermediate.int_identity__account_map"


def identity_counts(wh: Warehouse) -> dict[str, Any] | None:
    """Per connector: records, matched by each method, ambiguous, unmatched, and the match
    rate; plus the ambiguous and unmatched records themselves (at most 20). None when the map
    is not built (every family in the contract shape)."""
    try:
        frame = wh.query_df(
            "select source_system, match_method, match_status, count(*) as records "
            f"from {RELATION} group by source_system, match_method, match_status"
        )
    except Exception:  # noqa: BLE001 - the relation exists only with a connector shape
        return None
    systems: dict[str, dict[str, Any]] = {}
    for row in frame.itertuples(index=False):
        entry = systems.setdefault(
            str(row.source_system),
            {"records": 0, "matched": 0, "ambiguous": 0, "unmatched": 0, "by_method": {}},
        )
        n = int(row.records)
        entry["records"] += n
        entry[str(row.match_status)] += n
        if row.match_status == "matched":
            entry["by_method"][str(row.match_method)] = (
                entry["by_method"].get(str(row.match_method), 0) + n
            )
    for entry in systems.values():
        entry["match_rate"] = (
            round(entry["matched"] / entry["records"], 4) if entry["records"] else None
        )
    problems = wh.query_df(
        "select source_system, source_account_id, source_account_name, match_status, "
        f"candidate_crm_account_ids, match_detail from {RELATION} "
        "where match_status != 'matched' order by source_system, match_status, source_account_id "
        "limit 20"
    )
    return {
        "relation": RELATION,
        "systems": systems,
        "problems": problems.astype(object).where(problems.notna(), None).to_dict(orient="records"),
    }


def identity_line(counts: dict[str, Any] | None) -> str:
    """One line for the run summary."""
    if counts is None:
        return "Identity map: not used (every family is in the contract shape)."
    parts = []
    for system, e in sorted(counts["systems"].items()):
        rate = f"{e['match_rate']:.0%}" if e["match_rate"] is not None else "n/a"
        extra = []
        if e["ambiguous"]:
            extra.append(f"{e['ambiguous']:,} ambiguous")
        if e["unmatched"]:
            extra.append(f"{e['unmatched']:,} unmatched")
        parts.append(
            f"{system} {e['matched']:,}/{e['records']:,} matched ({rate})"
            + (f", {', '.join(extra)}" if extra else "")
        )
    line = "Identity map: " + "; ".join(parts)
    if any(e["ambiguous"] or e["unmatched"] for e in counts["systems"].values()):
        line += (
            f". Their rows are quarantined; see {counts['relation']} (match_status != 'matched') "
            "and fix them in seeds/account_identity_overrides.csv"
        )
    return line + "."
