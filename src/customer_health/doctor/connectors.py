"""Connector shapes in `doctor` (docs/connectors.md): which connector schemas are in the
warehouse, whether the shape vars read them, and how the identity map matched their accounts.

A connector is recognised by two of its tables in its schema (the ``<connector>_schema`` var, by
default the connector's name). The identity map's match rates come from its relation, which the
build creates (``intermediate.int_identity__account_map``): doctor reads, it never builds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from customer_health import identity, shapes
from customer_health.warehouse import Warehouse

# Two tables that only this connector lands: how a schema is recognised.
SIGNATURES: dict[str, tuple[str, str]] = {
    "salesforce": ("account", "opportunity"),
    "hubspot": ("company", "deal"),
    "zendesk": ("ticket", "organization"),
    "stripe": ("customer", "invoice"),
    "pendo": ("account_history", "visitor_history"),
    "segment": ("tracks", "identifies"),
}
FAMILIES: dict[str, tuple[str, ...]] = {
    "salesforce": ("crm",),
    "hubspot": ("crm", "support"),
    "zendesk": ("support",),
    "stripe": ("billing",),
    "pendo": ("usage",),
    "segment": ("usage",),
}


@dataclass
class ConnectorReport:
    connector: str
    schema: str
    chosen_for: list[str]  # the families whose shape var names this connector
    tables: dict[str, int] = field(default_factory=dict)  # declared tables present: rows
    missing: list[str] = field(default_factory=list)  # declared tables absent

    @property
    def found(self) -> bool:
        return all(t in self.tables for t in SIGNATURES[self.connector])

    def to_dict(self) -> dict[str, Any]:
        return {
            "connector": self.connector,
            "schema": self.schema,
            "chosen_for": self.chosen_for,
            "found": self.found,
            "tables": self.tables,
            "missing": self.missing,
        }


def inspect(wh: Warehouse, current: shapes.Shapes) -> list[ConnectorReport]:
    """A report per connector that is chosen by a shape var or found in the warehouse."""
    reports = []
    schemas = {c: shapes.connector_schema(c) for c in SIGNATURES}
    names = ", ".join(f"'{s}'" for s in sorted(set(schemas.values())))
    present = wh.query_df(
        "select table_schema, table_name from information_schema.tables "
        f"where table_schema in ({names})"
    )
    by_schema: dict[str, set[str]] = {}
    for row in present.itertuples(index=False):
        by_schema.setdefault(str(row.table_schema), set()).add(str(row.table_name))
    for connector, schema in schemas.items():
        chosen = [f for f in FAMILIES[connector] if getattr(current, f) == connector]
        have = by_schema.get(schema, set())
        declared = shapes.connector_tables(connector) or list(SIGNATURES[connector])
        if not chosen and not all(t in have for t in SIGNATURES[connector]):
            continue
        report = ConnectorReport(connector, schema, chosen)
        for table in declared:
            if table in have:
                report.tables[table] = int(
                    wh.query_df(f'select count(*) as n from {schema}."{table}"').iloc[0, 0]
                )
            else:
                report.missing.append(table)
        reports.append(report)
    return reports


def problems(
    reports: list[ConnectorReport],
    current: shapes.Shapes,
    counts: dict[str, Any] | None,
    problem: Any,
    levels: tuple[str, str, str],
) -> list[Any]:
    """Problems for the connectors: a chosen connector without tables (blocking), a connector
    found but not chosen (warning), records the identity map left unmatched (warning)."""
    blocking, warning, info = levels
    out = []
    for r in reports:
        if r.chosen_for and not r.tables:
            out.append(
                problem(
                    blocking,
                    "connector_tables_missing",
                    f"{', '.join(r.chosen_for)} is landed as {r.connector}, but schema "
                    f"{r.schema} has none of its tables",
                    f"set the {r.connector}_schema var to where your connector lands them, or "
                    f"CUSTOMER_HEALTH_{r.chosen_for[0].upper()}_SHAPE=contract",
                    table=f"{r.schema}.*",
                )
            )
        elif r.chosen_for and r.missing:
            out.append(
                problem(
                    info,
                    "connector_tables_absent",
                    f"{r.connector}: table(s) {', '.join(r.missing)} not in schema {r.schema}; "
                    "the signals they carry will be missing",
                    "sync those objects in the connector if you have them (docs/connectors.md)",
                    table=f"{r.schema}.*",
                )
            )
        elif not r.chosen_for:
            families = [f for f in FAMILIES[r.connector] if getattr(current, f) == "contract"]
            if families:
                out.append(
                    problem(
                        warning,
                        "connector_not_chosen",
                        f"{r.connector} tables are in schema {r.schema}, but "
                        f"{' and '.join(families)} {'is' if len(families) == 1 else 'are'} read "
                        "from the raw contract",
                        f"to read them: export CUSTOMER_HEALTH_{families[0].upper()}_SHAPE="
                        f"{r.connector} (or set {families[0]}_shape in dbt_project.yml vars)",
                        table=f"{r.schema}.*",
                    )
                )
    if counts is not None:
        for system, e in sorted(counts["systems"].items()):
            if e["ambiguous"] or e["unmatched"]:
                examples = [
                    p["source_account_id"]
                    for p in counts["problems"]
                    if p["source_system"] == system
                ]
                out.append(
                    problem(
                        warning,
                        "identity_unmatched",
                        f"identity map: {e['ambiguous']} {system} record(s) ambiguous and "
                        f"{e['unmatched']} unmatched of {e['records']}; their rows are "
                        "quarantined",
                        "read intermediate.int_identity__account_map where match_status != "
                        "'matched' (candidates listed) and add rows to "
                        "seeds/account_identity_overrides.csv",
                        accounts=examples[:10],
                    )
                )
    return out


def identity_counts(wh: Warehouse) -> dict[str, Any] | None:
    return identity.identity_counts(wh)
