"""The doctor's findings: what was found, what it means for the build, and what to fix first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from customer_health import contract, quality, shapes
from customer_health.doctor import connectors as connectors_mod
from customer_health.doctor import coverage, lifecycle, tables
from customer_health.warehouse import Warehouse

EXIT_OK = 0
EXIT_CANNOT_START = 2
EXIT_BLOCKING = 10  # as `customer-health run` when its source gate fails

BLOCKING = "blocking"
WARNING = "warning"
INFO = "info"

#: What an empty required table means, and where to land it.
EMPTY_REQUIRED = {
    "crm.accounts": "your CRM's customer accounts, one row per company",
    "product.events": "product usage events, one row per user action",
    "billing.subscriptions": "billing subscriptions, one row per subscription",
}
#: Rows with these columns blank are quarantined by staging; above the gate's share the load
#: is broken.
STRICT = {"account_id", "_loaded_at"}
ISO_FORMS = {
    "date": "YYYY-MM-DD",
    "timestamp": "YYYY-MM-DD HH:MM:SS+00",
    "integer": "digits only",
    "numeric": "digits with a dot for decimals",
}
CONFLICT_ADVICE = {
    "billing_active_after_churn": (
        "the CRM recorded a churn while billing kept a subscription running",
        "check in billing whether {accounts} are still charged: cancel the subscription, or "
        "correct the churn record (churn_date, account_status, the lost renewal) in the CRM",
    ),
    "usage_after_churn": (
        "the product was used more than the grace days after the account's episode ended",
        "check whether {accounts} use the product without paying (a free tier, a missed "
        "renewal in billing); nothing reopens an episode but a subscription or contract",
    ),
    "status_disagrees_with_billing": (
        "the CRM's account_status says the opposite of billing",
        "correct account_status in the CRM for {accounts} (or the subscriptions in billing)",
    ),
    "churn_bridged_by_billing": (
        "the CRM recorded a churn, but billing resumed within the grace days and the account "
        "stays a customer",
        "check {accounts}: if the customer left, end the new subscription or contract; if it "
        "stayed, remove the churn record from the CRM",
    ),
}


@dataclass
class Problem:
    severity: str
    code: str
    message: str
    next_step: str
    table: str | None = None
    column: str | None = None
    accounts: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "table": self.table,
            "column": self.column,
            "message": self.message,
            "next": self.next_step,
            "accounts": self.accounts,
        }


@dataclass
class Findings:
    warehouse: str
    engine: str
    as_of_date: date | None
    as_of_date_source: str
    tables: list[tables.TableReport]
    problems: list[Problem]
    life: lifecycle.Lifecycle | None = None
    factors: list[coverage.FactorCoverage] = field(default_factory=list)
    families: dict[str, dict[str, Any]] = field(default_factory=dict)
    error: str | None = None
    shapes: dict[str, str] = field(default_factory=dict)
    connectors: list[connectors_mod.ConnectorReport] = field(default_factory=list)
    identity: dict[str, Any] | None = None

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == BLOCKING]

    @property
    def exit_code(self) -> int:
        if self.error:
            return EXIT_CANNOT_START
        return EXIT_BLOCKING if self.blocking else EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "warehouse": self.warehouse,
            "engine": self.engine,
            "exit_code": self.exit_code,
            "can_build": self.exit_code == EXIT_OK,
            "error": self.error,
            "as_of_date": self.as_of_date.isoformat() if self.as_of_date else None,
            "as_of_date_source": self.as_of_date_source,
            "problems": [p.to_dict() for p in self.problems],
            "shapes": self.shapes,
            "connectors": [c.to_dict() for c in self.connectors],
            "identity": self.identity,
            "tables": [t.to_dict() for t in self.tables],
            "lifecycle": self.life.summary() if self.life else None,
            "coverage": {
                "accounts": self.factors[0].accounts if self.factors else 0,
                "families": self.families,
                "factors": [f.to_dict() for f in self.factors],
            },
        }


def _project_vars(project: Path) -> dict[str, Any]:
    import yaml

    try:
        return (yaml.safe_load((project / "dbt_project.yml").read_text()) or {}).get("vars") or {}
    except OSError:
        return {}


def _quote(values: list[str], limit: int = 5) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def _table_problems(reports: list[tables.TableReport], engine: str) -> list[Problem]:
    out: list[Problem] = []
    row_share = quality.THRESHOLDS["row_problem_share_max"]
    missing_schemas = {r.relation.split(".")[0] for r in reports if not r.found} - {
        r.relation.split(".")[0] for r in reports if r.found
    }
    for r in reports:
        t = contract.table(*r.table.split("."))
        if not r.found:
            schema = r.relation.split(".")[0]
            hint = (
                f"point the project at the schema your connector uses with the var "
                f"`{t.source}_schema` (dbt_project.yml), or create it: "
                if schema in missing_schemas
                else "create it (it may stay empty): "
            )
            ddl = contract.ddl(t, engine)
            out.append(
                Problem(
                    BLOCKING,
                    "table_missing",
                    f"{r.relation} does not exist: dbt reads every table of the contract",
                    hint + ddl.replace(t.schema, schema, 1).replace("\n", " "),
                    table=r.table,
                )
            )
            continue
        for name in r.missing_required:
            c = next(c for c in t.all_columns if c.name == name)
            out.append(
                Problem(
                    BLOCKING,
                    "required_column_missing",
                    f"{r.relation} has no column {name} ({c.type}, required): {c.description}",
                    f"land column `{name}` in {r.relation}, e.g. {c.example!r} "
                    "(docs/source_contract.md)",
                    table=r.table,
                    column=name,
                )
            )
        for name in r.missing_optional:
            c = next(c for c in t.all_columns if c.name == name)
            out.append(
                Problem(
                    BLOCKING,
                    "optional_column_missing",
                    f"{r.relation} has no column {name} ({c.type}, optional): it may be empty, "
                    "but dbt selects it",
                    f"`alter table {r.relation} add column {name} "
                    f"{contract.SQL_TYPES['postgres'][c.type]}` (leave it empty if you have no "
                    "such field)",
                    table=r.table,
                    column=name,
                )
            )
        for p in r.type_problems:
            if p.blocking:
                out.append(
                    Problem(
                        BLOCKING,
                        "incompatible_type",
                        f"{r.relation}.{p.column} is {p.found}; the contract says {p.expected}",
                        f"land `{p.column}` as {p.expected} (or as text in ISO form, which "
                        "staging parses)",
                        table=r.table,
                        column=p.column,
                    )
                )
                continue
            share = p.unparseable_share
            out.append(
                Problem(
                    BLOCKING if share > row_share else WARNING,
                    "unparseable_text",
                    f"{r.relation}.{p.column} is text and {p.unparseable_rows:,} of "
                    f"{p.filled_rows:,} values ({share:.0%}) do not parse as {p.expected} "
                    f"(e.g. {_quote([repr(s) for s in p.samples], 3)}); those rows will be "
                    "quarantined"
                    + (f", more than {row_share:.0%} of the table" if share > row_share else ""),
                    f"re-land `{p.column}` as {p.expected}, or as text in ISO form "
                    f"({ISO_FORMS[p.expected]})",
                    table=r.table,
                    column=p.column,
                )
            )
        if r.empty and r.table in EMPTY_REQUIRED:
            out.append(
                Problem(
                    BLOCKING,
                    "required_table_empty",
                    f"{r.relation} is empty: there is no book to score without it",
                    f"load {EMPTY_REQUIRED[r.table]} into {r.relation}",
                    table=r.table,
                )
            )
        for name, blank in r.blanks.items():
            out.append(_blank_problem(r, t, name, blank))
        if r.extra:
            out.append(
                Problem(
                    INFO,
                    "extra_columns",
                    f"{r.relation} has columns the contract does not "
                    f"know: {', '.join(r.extra)} (ignored)",
                    "nothing to do; drop them to save space if you like",
                    table=r.table,
                )
            )
    return out


def _blank_problem(r: tables.TableReport, t: contract.Table, name: str, blank: int) -> Problem:
    """Blank values: quarantined (keys, account_id), fatal to dbt build (other required
    columns: staging tests them not_null), or a warning (watched optional columns)."""
    share = blank / r.rows if r.rows else 0.0
    required = next(c for c in t.all_columns if c.name == name).required
    where = f"{blank:,} of {r.rows:,} rows of {r.relation} ({share:.0%}) have no {name}"
    step = f"fill `{name}` in {r.relation}"
    if name in STRICT or name in t.key:
        limit = quality.THRESHOLDS["row_problem_share_max"]
        severity = BLOCKING if share > limit else WARNING
        message = f"{where}: staging quarantines those rows" + (
            f", more than {limit:.0%} of the table: the load looks broken" if share > limit else ""
        )
    elif required:
        severity = BLOCKING
        message = f"{where}: it is required, and dbt build's not_null test on it fails"
    else:
        severity = WARNING
        message = where
    if name == "user_id":
        message += (
            "; active users cannot be counted for those events (seat utilisation and the "
            "weekly-users slope see no users)"
        )
        step += " with the product's (pseudonymous) user id"
    return Problem(severity, "values_blank", message, step, table=r.table, column=name)


def _coverage_problems(
    families: dict[str, dict[str, Any]], factors: list[coverage.FactorCoverage]
) -> list[Problem]:
    out = []
    for family, info in families.items():
        if info["share"] == 0:
            sources = info["empty_sources"] or sorted(
                {f.evidence_table for f in factors if f.family == family}
            )
            out.append(
                Problem(
                    WARNING,
                    "family_missing",
                    f"no account will have a {family} score: "
                    f"{', '.join(sources)} {'is' if len(sources) == 1 else 'are'} empty; the "
                    f"{family} weight moves to the other families and data_completeness stays "
                    "below 1",
                    f"land {', '.join(sources)} (docs/source_contract.md) to score {family}",
                )
            )
        elif info["share"] < 1:
            out.append(
                Problem(
                    INFO,
                    "family_partial",
                    f"{family}: {info['share']:.0%} of live accounts "
                    "have data for at least one factor",
                    f"the others get no {family} score until they have rows in its tables",
                )
            )
    return out


def _lifecycle_problems(life: lifecycle.Lifecycle) -> list[Problem]:
    out = []
    if life.live == 0:
        out.append(
            Problem(
                BLOCKING,
                "no_live_account",
                f"no account is live on {life.as_of_date}: the health mart would be empty",
                "check the subscriptions' and contracts' dates, or "
                "set the score date: `customer-health run --as-of-date YYYY-MM-DD`",
            )
        )
    for conflict_type, (what, step) in CONFLICT_ADVICE.items():
        rows = life.conflicts[life.conflicts["conflict_type"] == conflict_type]
        if rows.empty:
            continue
        accounts = sorted(rows["account_id"].unique())
        out.append(
            Problem(
                WARNING,
                conflict_type,
                f"{len(rows)} conflict(s) {conflict_type} on {len(accounts)} account(s): {what}",
                step.format(accounts=_quote(accounts)),
                accounts=accounts,
            )
        )
    return out


#: Among warnings, what costs the scores most comes first: a family with no data at all, then
#: values that cannot be used, then the conflicts a person has to look at.
WARNING_RANK = {"family_missing": 0, "unparseable_text": 1, "values_blank": 1}


def _order(problems: list[Problem]) -> list[Problem]:
    """Blocking problems first (in the order the pipeline meets them), then warnings, then
    information."""
    rank = {BLOCKING: 0, WARNING: 1, INFO: 2}
    return sorted(problems, key=lambda p: (rank[p.severity], WARNING_RANK.get(p.code, 2)))


def latest_activity_date(wh: Warehouse, by_name: dict[str, tables.TableReport]) -> date | None:
    """The build's default score date: the latest UTC date of events, tickets or CRM activities
    (text columns parsed as staging parses them; a row dated more than a day after it was
    loaded is quarantined, so it does not count)."""
    parts = []
    for table, column in quality.ACTIVITY_DATES:
        r = by_name[table]
        if not (r.found and r.rows and r.has(column) and r.has("_loaded_at")):
            continue
        day = tables.utc_date(wh.engine, column, r.present[column])
        loaded = tables.utc_date(wh.engine, "_loaded_at", r.present["_loaded_at"])
        deleted = (
            " and not coalesce(cast(_is_deleted as boolean), false)" if r.has("_is_deleted") else ""
        )
        parts.append(
            f"select max({day}) as d from {r.relation} where {day} <= {loaded} + 1{deleted}"
        )
    if not parts:
        return None
    value = wh.query_df(f"select max(d) as d from ({' union all '.join(parts)}) as dates").iloc[
        0, 0
    ]
    return None if value is None or value != value else pd.Timestamp(value).date()


def diagnose(
    wh: Warehouse,
    project: Path,
    as_of_date: date | None = None,
    step: Callable[[str], None] | None = None,
) -> Findings:
    """Read the raw tables and say whether a build can proceed, and what to fix first."""
    step = step or (lambda _: None)
    findings = Findings(
        wh.describe(),
        wh.engine,
        as_of_date,
        "option" if as_of_date else "latest activity date in the data",
        [],
        [],
    )
    try:
        wh.query_df("select 1 as ok")
    except Exception as exc:  # the connection, not the data
        findings.error = f"cannot connect to {wh.describe()}: {exc}"
        return findings
    schemas = quality.raw_schemas(project)
    current = shapes.current(project=project)
    findings.shapes = current.dbt_vars()
    contract_sources = {
        s for s in contract.SOURCES if getattr(current, shapes.family_of(s)) == "contract"
    }
    all_tables = tables.inspect_tables(wh, schemas, progress=lambda: step("tables"))
    # a family landed in a connector shape has no contract tables to check: its connector's
    # tables are reported instead, and its rows checked by the build's base models
    findings.tables = [t for t in all_tables if t.table.partition(".")[0] in contract_sources]
    by_name = {t.table: t for t in all_tables}
    problems = _table_problems(findings.tables, wh.engine)
    findings.connectors = connectors_mod.inspect(wh, current)
    findings.identity = connectors_mod.identity_counts(wh)
    problems += connectors_mod.problems(
        findings.connectors,
        current,
        findings.identity,
        Problem,
        (BLOCKING, WARNING, INFO),
    )
    accounts = by_name["crm.accounts"]
    if findings.as_of_date is None:
        findings.as_of_date = latest_activity_date(wh, by_name)
    if "crm" not in contract_sources:
        problems.append(
            Problem(
                INFO,
                "lifecycle_after_build",
                f"the CRM is landed as {current.crm}: live accounts and factor coverage are "
                "read from the contract tables, so doctor cannot count them before a build",
                "build (`customer-health run`), then read mart_account_health and "
                "quarantine.connector_reconciliation",
            )
        )
    can_read = (
        "crm" in contract_sources
        and accounts.found
        and accounts.rows > 0
        and accounts.has("account_id")
        and findings.as_of_date is not None
    )
    if can_read:
        assert findings.as_of_date is not None
        grace = int(_project_vars(project).get("lifecycle_grace_days") or 30)
        findings.life = lifecycle.compute(wh, by_name, findings.as_of_date, grace)
        step("lifecycle")
        problems += _lifecycle_problems(findings.life)
        live = list(
            findings.life.accounts.loc[findings.life.accounts["is_live_today"], "account_id"]
        )
        catalogue = coverage.load_catalogue(project)
        findings.factors = coverage.compute(wh, by_name, catalogue, live, findings.as_of_date)
        findings.families = coverage.families(findings.factors, live)
        step("coverage")
        if live:
            problems += _coverage_problems(findings.families, findings.factors)
    elif (
        "crm" in contract_sources
        and findings.as_of_date is None
        and not any(p.code == "required_table_empty" for p in problems)
    ):
        problems.append(
            Problem(
                BLOCKING,
                "no_activity_date",
                "no activity date found (product.events, "
                "support.tickets, crm.activities): the score date cannot be chosen",
                "load activity, or give the date: `customer-health doctor --as-of-date YYYY-MM-DD`",
            )
        )
    findings.problems = _order(problems)
    return findings
