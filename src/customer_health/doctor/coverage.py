"""Which factors and families each account will be able to compute, from the factor catalogue.

``seeds/factor_catalogue.csv`` says, per factor, the raw table whose rows it counts
(``source_table``: empty in the whole book, the factor is missing for every account) and the
table where an account needs at least one row dated on or before the score date
(``evidence_table``, within ``evidence_window_days`` when set), else the factor is missing for
it and its weight is redistributed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from customer_health.doctor.tables import TableReport, utc_date
from customer_health.warehouse import Warehouse

FAMILIES = ("usage", "support", "relationship", "finance")

#: The column that dates a row of each table, for the evidence test.
EVIDENCE_DATES: dict[str, str] = {
    "crm.accounts": "created_date",
    "crm.contacts": "active_from",
    "crm.activities": "occurred_at",
    "crm.sentiment": "recorded_at",
    "crm.contracts": "start_date",
    "crm.opportunities": "close_date",
    "product.events": "occurred_at",
    "product.seats": "effective_date",
    "support.tickets": "created_at",
    "billing.subscriptions": "started_at",
    "billing.plan_changes": "changed_at",
    "billing.invoices": "issued_date",
    "billing.payments": "attempted_at",
    "billing.disputes": "opened_at",
}


@dataclass
class FactorCoverage:
    factor: str
    family: str
    weight: float
    source_table: str
    evidence_table: str
    source_empty: bool
    with_data: frozenset[str]  # the accounts that will have the factor
    accounts: int

    @property
    def accounts_with_data(self) -> int:
        return len(self.with_data)

    @property
    def share(self) -> float:
        return self.accounts_with_data / self.accounts if self.accounts else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "factor": self.factor,
            "family": self.family,
            "source_table": self.source_table,
            "evidence_table": self.evidence_table,
            "source_empty": self.source_empty,
            "accounts_with_data": self.accounts_with_data,
            "share": round(self.share, 4),
        }


def load_catalogue(project: Path) -> pd.DataFrame:
    return pd.read_csv(
        project / "seeds" / "factor_catalogue.csv", dtype={"evidence_window_days": "Int64"}
    )


def _accounts_with_rows(
    wh: Warehouse, report: TableReport, as_of: date, window_days: int | None
) -> set[str] | None:
    """Accounts with a row dated on or before as_of (and within the window); None when the
    table has no account column (every account then has the evidence)."""
    if not report.has("account_id"):
        return None
    column = EVIDENCE_DATES.get(report.table)
    where = ["true"]
    if report.has("_is_deleted"):
        where.append("not coalesce(cast(_is_deleted as boolean), false)")
    if column and report.has(column):
        day = utc_date(wh.engine, column, report.present[column])
        where.append(f"{day} <= date '{as_of}'")
        if window_days is not None:
            where.append(f"{day} > date '{as_of - timedelta(days=window_days)}'")
    frame = wh.query_df(
        f"select distinct trim(cast(account_id as varchar)) as account_id from {report.relation} "
        f"where {' and '.join(where)}"
    )
    return {str(v) for v in frame["account_id"].dropna()}


def compute(
    wh: Warehouse,
    tables: dict[str, TableReport],
    catalogue: pd.DataFrame,
    accounts: list[str],
    as_of: date,
) -> list[FactorCoverage]:
    """Coverage of every factor of the catalogue over ``accounts`` (the live ones)."""
    book = set(accounts)
    cache: dict[tuple[str, int | None], set[str] | None] = {}
    out = []
    for f in catalogue.itertuples(index=False):
        source = tables.get(f.source_table)
        source_empty = source is None or not source.found or source.live_rows == 0
        evidence = tables.get(f.evidence_table)
        window = None if pd.isna(f.evidence_window_days) else int(f.evidence_window_days)
        if source_empty or evidence is None or not evidence.found or evidence.live_rows == 0:
            have: set[str] = set()
        else:
            key = (f.evidence_table, window)
            if key not in cache:
                cache[key] = _accounts_with_rows(wh, evidence, as_of, window)
            found = cache[key]
            have = book if found is None else book & found
        out.append(
            FactorCoverage(
                factor=f.factor_name,
                family=f.family,
                weight=float(f.factor_weight),
                source_table=f.source_table,
                evidence_table=f.evidence_table,
                source_empty=source_empty,
                with_data=frozenset(have),
                accounts=len(book),
            )
        )
    return out


def families(factors: list[FactorCoverage], accounts: list[str]) -> dict[str, dict[str, Any]]:
    """Per family: the share of accounts with at least one factor, and what it lacks."""
    book = set(accounts)
    out: dict[str, dict[str, Any]] = {}
    for family in FAMILIES:
        members = [f for f in factors if f.family == family]
        with_any = set().union(*(f.with_data for f in members)) if members else set()
        out[family] = {
            "accounts_with_data": len(with_any),
            "share": round(len(with_any) / len(book), 4) if book else 0.0,
            "factors_missing_for_all": [f.factor for f in members if not f.with_data],
            "empty_sources": sorted({f.source_table for f in members if f.source_empty}),
        }
    return out
