"""Techniques cross-checked, read from the marts: where the six techniques disagree.

The diagnosis itself is computed in dbt (models/intermediate/diagnosis,
``marts.mart_account_diagnosis``, ``marts.mart_diagnosis_disagreements``); this module only
reads it for ``customer-health top`` (a mark on the accounts whose techniques disagree, and
what they disagree about) and for the report's section.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from rich.console import Console

from customer_health.warehouse import Warehouse

DIAGNOSIS_MART = "marts.mart_account_diagnosis"
DISAGREEMENTS_MART = "marts.mart_diagnosis_disagreements"
TECHNIQUES = ("scorecard", "trend", "anomaly", "cohort", "rule_flags", "churn_probability")
MARK = "⚑"
KIND_LABELS = {
    "hidden_risk": "risk the score misses",
    "unconfirmed_risk": "score's risk not confirmed",
    "no_score": "techniques disagree",
}
MISSING_NOTE = (
    "No diagnosis yet ({mart}): run `customer-health build` to see where the techniques disagree."
)


def _in_list(values: list[str]) -> str:
    quoted = ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)
    return f"({quoted})"


def mark_disagreements(wh: Warehouse, frame: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """``frame`` (one row per account_id) with the diagnosis columns of its accounts:
    diagnosis_verdict, diagnosis_confidence, diagnosis_agreement, techniques_with_verdict,
    is_disagreement, disagreement_kind, disagreement_summary. Without the diagnosis mart the
    frame comes back as it was, with a note saying what to do."""
    if frame.empty:
        return frame, None
    try:
        diagnosis = wh.query_df(
            f"""
            select account_id, diagnosis_verdict, diagnosis_confidence, diagnosis_agreement,
                   techniques_with_verdict, is_disagreement, disagreement_kind,
                   disagreement_summary
            from {DIAGNOSIS_MART}
            where account_id in {_in_list(list(frame["account_id"]))}
            """
        )
    except Exception:  # noqa: BLE001 (any driver's "no such table")
        return frame, MISSING_NOTE.format(mart=DIAGNOSIS_MART)
    diagnosis["is_disagreement"] = diagnosis["is_disagreement"].astype("boolean").fillna(False)
    merged = frame.merge(diagnosis, on="account_id", how="left")
    merged["is_disagreement"] = merged["is_disagreement"].astype("boolean").fillna(False)
    return merged, None


def mark_of(row: Any) -> str:
    """The mark `top` prints under the tier: empty unless the techniques disagree."""
    if not bool(getattr(row, "is_disagreement", False)):
        return ""
    label = KIND_LABELS.get(str(getattr(row, "disagreement_kind", "")), "techniques disagree")
    return f"{MARK} {label}"


def print_disagreements(frame: pd.DataFrame, console: Console | None = None) -> None:
    """Under the `top` table: for each marked account, what the techniques disagree about."""
    if "is_disagreement" not in frame:
        return
    marked = frame[frame["is_disagreement"].astype(bool)]
    if marked.empty:
        return
    console = console or Console(width=160)
    console.print(
        f"\n[magenta]{MARK}[/] Techniques disagree on {len(marked)} of these accounts "
        "(marts.mart_diagnosis_disagreements has them all):"
    )
    for rank, row in enumerate(frame.itertuples(index=False), start=1):
        if not bool(row.is_disagreement):
            continue
        agreement = (
            f"diagnosis {row.diagnosis_verdict}: {int(row.diagnosis_agreement)} of "
            f"{int(row.techniques_with_verdict)} techniques agree, confidence "
            f"{row.diagnosis_confidence}"
        )
        console.print(f"  #{rank} {row.account_name}: {row.disagreement_summary} ({agreement}).")


# ----------------------------------------------------------------------------- report


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def diagnosis_view(wh: Warehouse, backtest: dict[str, Any], limit: int = 15) -> dict[str, Any]:
    """The report's "Techniques cross-checked" section: today's agreement, the disagreements
    to look at first, and the backtest's churn by agreement (when the backtest ran)."""
    try:
        accounts = wh.query_df(
            f"""
            select diagnosis_confidence, is_disagreement, disagreement_kind, diagnosis_verdict
            from {DIAGNOSIS_MART}
            """
        )
        top = wh.query_df(
            f"""
            select account_id, account_name, segment, health_score, final_tier,
                   disagreement_kind, disagreement_score, disagreement_summary,
                   diagnosis_verdict, diagnosis_confidence, diagnosis_agreement,
                   techniques_with_verdict, priority_score,
                   {", ".join(f"{t}_verdict" for t in TECHNIQUES)}
            from {DISAGREEMENTS_MART}
            """
        )
    except Exception:  # noqa: BLE001
        return {"status": "missing", "message": MISSING_NOTE.format(mart=DIAGNOSIS_MART)}
    for column in ("health_score", "disagreement_score", "priority_score"):
        top[column] = pd.to_numeric(top[column], errors="coerce").astype(float)
    # tenants combined: the hidden risk first, then the widest disagreement, then priority
    top = top.assign(_hidden=(top["disagreement_kind"] != "hidden_risk").astype(int))
    top = top.sort_values(
        ["_hidden", "disagreement_score", "priority_score", "account_id"],
        ascending=[True, False, False, True],
        kind="stable",
    ).head(limit)
    disagree = accounts["is_disagreement"].astype("boolean").fillna(False).astype(bool)
    view: dict[str, Any] = {
        "status": "ok",
        "accounts": len(accounts),
        "confidence": {
            level: int((accounts["diagnosis_confidence"] == level).sum())
            for level in ("high", "medium", "low")
        },
        "disagreements": int(disagree.sum()),
        "hidden_risk": int((disagree & (accounts["disagreement_kind"] == "hidden_risk")).sum()),
        "top": _records(top.drop(columns="_hidden")),
        "techniques": TECHNIQUES,
        "backtest": None,
    }
    result = backtest.get("result") if backtest.get("status") == "ok" else None
    if result is not None and result.agreement:
        from customer_health.backtest.agreement import verdict_sentence

        h = result.headline_horizon
        figures = result.agreement.get(h)
        if figures is not None:
            view["backtest"] = {
                "horizon": h,
                "groups": _records(figures["groups"]),
                "score": _records(figures["score"]),
                "lone": _records(figures["lone"][figures["lone"]["renewals"] > 0]),
                "sentence": verdict_sentence(figures, h),
            }
    return view
