"""The health score recomputed in pandas from factor sub-scores, as the dbt model does it.

``health = 100 - sum_f effective_weight_f * (100 - sub_score_f)`` where a factor's effective
weight is its family's segment weight times its share of the weights of its family's factors
*with data*, divided by the segment weights of the families with data
(``int_scoring__factor_contributions``): a missing factor's weight goes to its family's other
factors, a family without data gives its weight to the other families.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def recompute_score(
    sub_scores: pd.DataFrame,
    segment: pd.Series,
    factor_weight: dict[str, float],
    family_of: dict[str, str],
    segment_weights: dict[str, dict[str, float]],
) -> pd.Series:
    """The health score of each row; NaN where no factor has data."""
    families = sorted(set(family_of.values()))
    n = len(sub_scores)
    points_lost = np.zeros(n)
    total_family_weight = np.zeros(n)
    family_parts = []
    for family in families:
        names = [f for f in sub_scores.columns if family_of.get(f) == family]
        if not names:
            continue
        scores = sub_scores[names].to_numpy(dtype=float)
        present = ~np.isnan(scores)
        v = np.array([factor_weight[f] for f in names], dtype=float)
        with_data = present.astype(float) @ v
        seg_w = segment.map(lambda s, fam=family: segment_weights.get(s, {}).get(fam, 0.0))
        w_family = seg_w.to_numpy(dtype=float)
        has = with_data > 0
        total_family_weight += np.where(has, w_family, 0.0)
        lost = np.where(present, 100.0 - np.nan_to_num(scores), 0.0) @ v
        family_parts.append((has, w_family, lost, with_data))
    for has, w_family, lost, with_data in family_parts:
        share = np.divide(lost, with_data, out=np.zeros(n), where=has)
        points_lost += np.where(has, w_family * share, 0.0)
    score = 100.0 - np.divide(
        points_lost,
        total_family_weight,
        out=np.full(n, np.nan),
        where=total_family_weight > 0,
    )
    score[~(~sub_scores.isna()).any(axis=1).to_numpy()] = np.nan
    return pd.Series(score, index=sub_scores.index, dtype=float)


#: dbt var tier_min_peers: a smaller segment is ranked with the whole set
TIER_MIN_PEERS = 20


def segment_percentile(score: pd.Series, segment: pd.Series) -> pd.Series:
    """100 x percent_rank of each score within its segment (0 = worst), the whole set for a
    segment with fewer than TIER_MIN_PEERS scores, as int_scoring__health_scores ranks."""

    def percent_rank(values: pd.Series) -> pd.Series:
        n = values.notna().sum()
        if n <= 1:
            return values.where(values.isna(), 0.0)
        return 100.0 * (values.rank(method="min") - 1) / (n - 1)

    book = percent_rank(score)
    out = pd.Series(np.nan, index=score.index, dtype=float)
    for _, rows in score.groupby(segment):
        peers = rows.notna().sum()
        out.loc[rows.index] = percent_rank(rows) if peers >= TIER_MIN_PEERS else book[rows.index]
    return out


def assign_tier(
    score: pd.Series,
    tiers: pd.DataFrame,
    segment: pd.Series | None = None,
    scale: str = "health_tier",
) -> pd.Series:
    """The band of each score: min_score <= measure < max_score, where the measure is the score
    or, for tiers of basis segment_percentile, the score's percentile in its segment among the
    scores given (``segment`` is then needed)."""
    bands = tiers[tiers["scale"] == scale].sort_values("sort_order")
    measure = score
    if "basis" in bands and (bands["basis"] == "segment_percentile").any():
        if segment is None:
            raise ValueError("segment_percentile tiers need the segments")
        measure = segment_percentile(score, segment)
    out = pd.Series(pd.NA, index=score.index, dtype=object)
    for band in bands.itertuples(index=False):
        inside = (measure >= band.min_score) & (measure < band.max_score)
        out = out.mask(inside, band.label)
    return out


def tier_basis(tiers: pd.DataFrame, scale: str = "health_tier") -> str:
    bands = tiers[tiers["scale"] == scale]
    return str(bands["basis"].iloc[0]) if "basis" in bands and len(bands) else "score"


def tier_labels(tiers: pd.DataFrame, scale: str = "health_tier") -> list[str]:
    return list(tiers[tiers["scale"] == scale].sort_values("sort_order")["label"])


def impact_preview(
    today: pd.DataFrame | None,
    today_sub_scores: pd.DataFrame | None,
    score_proposed: Any,
    tiers: pd.DataFrame,
    at_risk: tuple[str, ...],
) -> dict[str, Any]:
    """What the proposal would do to today's accounts: tier moves and ARR in/out of at risk.

    ``score_proposed(sub_scores, segment)`` recomputes the score with the proposed weights."""
    if today is None or today_sub_scores is None or today.empty:
        return {"score_date": None, "accounts": 0, "accounts_changing_tier": 0}
    frame = today.copy()
    frame["current_tier"] = frame["health_tier"]  # as dbt assigned it
    frame["proposed_score"] = score_proposed(today_sub_scores, frame["segment"]).round(6)
    frame["proposed_tier"] = assign_tier(frame["proposed_score"], tiers, frame["segment"])
    labels = tier_labels(tiers)
    matrix = {
        a: {
            b: int(((frame["current_tier"] == a) & (frame["proposed_tier"] == b)).sum())
            for b in labels
        }
        for a in labels
    }
    was = frame["current_tier"].isin(at_risk)
    will = frame["proposed_tier"].isin(at_risk)
    arr = frame["arr_reporting"].fillna(0.0)
    movers = (
        pd.concat(
            [
                frame[~was & will].assign(move="into at risk"),
                frame[was & ~will].assign(move="out of at risk"),
            ]
        )
        .sort_values(["arr_reporting", "account_id"], ascending=[False, True])
        .head(15)
    )
    changing = frame["current_tier"].fillna("unscored") != frame["proposed_tier"].fillna("unscored")
    return {
        "score_date": str(pd.to_datetime(frame["score_date"]).max().date()),
        "accounts": len(frame),
        "accounts_changing_tier": int(changing.sum()),
        "transition_matrix": matrix,
        "accounts_at_risk_current": int(was.sum()),
        "accounts_at_risk_proposed": int(will.sum()),
        "accounts_into_at_risk": int((~was & will).sum()),
        "accounts_out_of_at_risk": int((was & ~will).sum()),
        "arr_at_risk_current": float(arr[was].sum()),
        "arr_at_risk_proposed": float(arr[will].sum()),
        "arr_into_at_risk": float(arr[~was & will].sum()),
        "arr_out_of_at_risk": float(arr[was & ~will].sum()),
        "top_movers": [
            {
                "account_id": r.account_id,
                "account_name": r.account_name,
                "segment": r.segment,
                "arr_reporting": float(r.arr_reporting or 0.0),
                "current_score": float(r.health_score),
                "proposed_score": float(r.proposed_score),
                "current_tier": r.current_tier,
                "proposed_tier": r.proposed_tier,
                "move": r.move,
            }
            for r in movers.itertuples(index=False)
        ],
    }
