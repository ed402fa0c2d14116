"""The score against an oracle: the true churn probabilities a simulator used to make the book.

No score can rank better than the probabilities the outcomes were drawn from, so the oracle's
AUC is the ceiling on this book; the score's AUC as a share of it says how much of the reachable
ranking the score achieves. Both are measured on the same renewals: those scored at the horizon
and found in the oracle file (joined on account_id and renewal_date).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from customer_health.backtest.metrics import (
    REPLICATES,
    SEED,
    bootstrap,
    interval,
    rank_auc,
    risk_of,
    scored_rows,
)


def _share(score: float | None, ceiling: float | None, floor: float = 0.0) -> float | None:
    if score is None or ceiling is None or ceiling <= floor:
        return None
    return (score - floor) / (ceiling - floor)


def oracle_comparison(
    rows: pd.DataFrame,
    oracle: pd.DataFrame,
    horizon: int,
    replicates: int = REPLICATES,
    seed: int = SEED,
) -> dict[str, Any] | None:
    """Oracle AUC and score AUC on the same scored renewals at ``horizon``; None when the file
    has no probability for this horizon."""
    column = f"oracle_prob_r{horizon}"
    if column not in oracle:
        return None
    scored = scored_rows(rows[rows["horizon_days"] == horizon])
    joined = scored.merge(
        oracle[["account_id", "renewal_date", "is_lost", column]].rename(
            columns={"is_lost": "oracle_is_lost"}
        ),
        on=["account_id", "renewal_date"],
        how="inner",
    ).dropna(subset=[column])
    y = joined["is_lost"].to_numpy(dtype=float)
    score_risk = risk_of(joined).to_numpy(dtype=float)
    oracle_risk = joined[column].to_numpy(dtype=float)
    out: dict[str, Any] = {
        "renewals": len(joined),
        "unmatched_scored_renewals": len(scored) - len(joined),
        "outcome_mismatches": int((joined["is_lost"] != joined["oracle_is_lost"]).sum()),
        "oracle_roc_auc": rank_auc(y, oracle_risk) if len(y) else None,
        "score_roc_auc": rank_auc(y, score_risk) if len(y) else None,
        "oracle_roc_auc_ci": None,
        "share_of_oracle_ci": None,
    }
    if out["oracle_roc_auc"] is not None:
        boot, _ = bootstrap(y, [score_risk, oracle_risk], replicates, seed)
        out["oracle_roc_auc_ci"] = interval(boot[1])
        with np.errstate(divide="ignore", invalid="ignore"):
            out["share_of_oracle_ci"] = interval(boot[0] / boot[1])
    out["share_of_oracle"] = _share(out["score_roc_auc"], out["oracle_roc_auc"])
    # the same share above chance: 0 = a coin, 1 = as good as the oracle
    out["share_of_oracle_above_chance"] = _share(
        out["score_roc_auc"], out["oracle_roc_auc"], floor=0.5
    )
    return out
