"""How well the score ranks the renewals that were lost: AUCs with bootstrap intervals, churn by
tier with Wilson intervals, worst-decile lift and a reliability table.

The unit is the renewal. A *risk* is higher for a renewal more likely to be lost: the model's
``churn_probability`` when it has one, otherwise ``-health_score``.

ROC AUC is computed from ranks (Mann-Whitney, ties count one half) and PR AUC is the average
precision (ties form one threshold, as scikit-learn does). Both are computed for many bootstrap
replicates at once: a replicate is a row of counts (how often each renewal was drawn), and the
renewals are sorted by risk once, so a thousand replicates of a few thousand renewals take a
fraction of a second.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from customer_health.backtest.load import PROBABILITY

REPLICATES = 1000
SEED = 20240610
#: bootstrap replicates drawn at once (memory: CHUNK x renewals x a few arrays of 8 bytes)
CHUNK = 250
TIERS = ("critical", "at_risk", "healthy")
Z95 = 1.959963984540054


# ----------------------------------------------------------------------------- ranking


def risk_column(rows: pd.DataFrame) -> str:
    """The column that ranks renewals: the probability when every scored renewal has one (a
    model fitted for the weights in use), else the health score."""
    if PROBABILITY not in rows:
        return "health_score"
    scored = rows[rows["has_score"].astype(bool)] if "has_score" in rows else rows
    if len(scored) and scored[PROBABILITY].notna().all():
        return PROBABILITY
    return "health_score"


def risk_of(rows: pd.DataFrame) -> pd.Series:
    """Higher = more likely lost."""
    column = risk_column(rows)
    return rows[column] if column == PROBABILITY else -rows[column]


def _tie_groups(ordered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last position of each value's tie group in an ascending 1-D array."""
    n = len(ordered)
    positions = np.arange(n)
    starts_group = np.ones(n, dtype=bool)
    starts_group[1:] = ordered[1:] != ordered[:-1]
    ends_group = np.ones(n, dtype=bool)
    ends_group[:-1] = starts_group[1:]
    first = np.maximum.accumulate(np.where(starts_group, positions, 0))
    last = np.minimum.accumulate(np.where(ends_group, positions, n)[::-1])[::-1]
    return first, last


def _before(cumulative: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Per row, the cumulative sum up to (not including) each position's tie group."""
    padded = np.concatenate([np.zeros((len(cumulative), 1)), cumulative], axis=1)
    return padded[:, first]


def auc_and_ap(
    y: np.ndarray, risk: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """ROC AUC and average precision of ``risk`` against ``y`` (1-D), once per row of
    ``weights`` (how many times each renewal counts: a bootstrap replicate; default once).

    ROC AUC is the Mann-Whitney statistic (a tie counts one half); average precision takes a
    tie group as one threshold, as scikit-learn does. A row with one class only gets NaN.
    The renewals are sorted once, whatever the number of rows.
    """
    y = np.asarray(y, dtype=float)
    risk = np.asarray(risk, dtype=float)
    weights = np.ones((1, len(y))) if weights is None else np.atleast_2d(weights)
    order = np.argsort(risk, kind="stable")
    first, last = _tie_groups(risk[order])
    labels = y[order]
    counts = weights[:, order].astype(float)
    lost_w = counts * labels
    kept_w = counts - lost_w
    lost, kept = lost_w.sum(axis=1), kept_w.sum(axis=1)
    kept_cum = np.cumsum(kept_w, axis=1)
    kept_below = _before(kept_cum, first)
    kept_tied = kept_cum[:, last] - kept_below
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = (lost_w * (kept_below + 0.5 * kept_tied)).sum(axis=1) / (lost * kept)
        # flagging every renewal whose risk is at least this one's: its tie group and above
        lost_above = lost[:, None] - _before(np.cumsum(lost_w, axis=1), first)
        all_above = (lost + kept)[:, None] - _before(np.cumsum(counts, axis=1), first)
        precision = np.where(lost_w > 0, lost_above / all_above, 0.0)
        ap = (lost_w * precision).sum(axis=1) / lost
    degenerate = (lost == 0) | (kept == 0)
    auc[degenerate] = np.nan
    ap[degenerate] = np.nan
    return auc, ap


def rank_auc(y: Sequence[float] | np.ndarray, risk: Sequence[float] | np.ndarray) -> float | None:
    """ROC AUC by ranks; None with only one class."""
    auc, _ = auc_and_ap(np.asarray(y), np.asarray(risk))
    return None if np.isnan(auc[0]) else float(auc[0])


def bootstrap_weights(n: int, replicates: int, seed: int) -> Iterator[np.ndarray]:
    """Chunks of bootstrap replicates, each row the number of times each of ``n`` renewals
    was drawn (resampling with replacement)."""
    rng = np.random.default_rng(seed)
    done = 0
    while done < replicates:
        size = min(CHUNK, replicates - done)
        draws = rng.integers(0, n, size=(size, n)) + (np.arange(size) * n)[:, None]
        yield np.bincount(draws.ravel(), minlength=size * n).reshape(size, n)
        done += size


def bootstrap(
    y: np.ndarray, risks: Sequence[np.ndarray], replicates: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """AUC and AP of every ranking in ``risks`` on the same resampled renewals: two arrays of
    shape (rankings, replicates), NaN where a replicate drew one class only."""
    aucs: list[np.ndarray] = []
    aps: list[np.ndarray] = []
    for weights in bootstrap_weights(len(y), replicates, seed):
        pair = [auc_and_ap(y, risk, weights) for risk in risks]
        aucs.append(np.stack([a for a, _ in pair]))
        aps.append(np.stack([p for _, p in pair]))
    return np.concatenate(aucs, axis=1), np.concatenate(aps, axis=1)


def interval(values: np.ndarray) -> list[float] | None:
    """The central 95% of the finite bootstrap values."""
    finite = values[np.isfinite(values)]
    if len(finite) < 2:
        return None
    return [float(np.percentile(finite, 2.5)), float(np.percentile(finite, 97.5))]


def ranking_metrics(
    y: np.ndarray, risk: np.ndarray, replicates: int = REPLICATES, seed: int = SEED
) -> dict[str, Any]:
    """ROC AUC and PR AUC of ``risk`` with bootstrap 95% intervals, and the counts."""
    y = np.asarray(y, dtype=float)
    risk = np.asarray(risk, dtype=float)
    out: dict[str, Any] = {
        "ranked": len(y),
        "ranked_lost": int(y.sum()),
        "base_rate": float(y.mean()) if len(y) else None,
        "roc_auc": None,
        "roc_auc_ci": None,
        "pr_auc": None,
        "pr_auc_ci": None,
    }
    if len(y) == 0 or y.min() == y.max():
        return out
    auc, ap = auc_and_ap(y, risk)
    boot_auc, boot_ap = bootstrap(y, [risk], replicates, seed)
    out.update(
        roc_auc=float(auc[0]),
        roc_auc_ci=interval(boot_auc[0]),
        pr_auc=float(ap[0]),
        pr_auc_ci=interval(boot_ap[0]),
    )
    return out


def worst_decile_lift(y: np.ndarray, risk: np.ndarray) -> float | None:
    """Churn rate of the riskiest 10% (lowest scores) over the overall churn rate."""
    y = np.asarray(y, dtype=float)
    if len(y) == 0 or y.sum() == 0:
        return None
    top = max(1, math.ceil(0.1 * len(y)))
    order = np.argsort(-np.asarray(risk, dtype=float), kind="stable")
    return float(y[order[:top]].mean() / y.mean())


# ----------------------------------------------------------------------------- rates


def wilson_interval(lost: int, total: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval of a proportion ``lost / total``; None when ``total`` is 0."""
    if total <= 0:
        return None
    p = lost / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return max(0.0, centre - half), min(1.0, centre + half)


def rate_row(lost: int, total: int) -> dict[str, Any]:
    bounds = wilson_interval(lost, total)
    return {
        "renewals": int(total),
        "lost": int(lost),
        "churn_rate": lost / total if total else None,
        "ci_low": bounds[0] if bounds else None,
        "ci_high": bounds[1] if bounds else None,
    }


def churn_by_tier(scored: pd.DataFrame, tier_column: str = "health_tier") -> pd.DataFrame:
    """Churn rate of the scored renewals in each tier, with Wilson 95% intervals."""
    rows = []
    for tier in TIERS:
        part = scored[scored[tier_column] == tier]
        rows.append({"tier": tier, **rate_row(int(part["is_lost"].sum()), len(part))})
    return pd.DataFrame(rows)


def tier_order(by_tier: pd.DataFrame) -> dict[str, Any]:
    """Are the tiers ordered (critical > at_risk > healthy), and do neighbours' intervals
    overlap? A tier without renewals makes the order unknown (None)."""
    table = by_tier.set_index("tier")
    pairs = []
    for worse, better in zip(TIERS[:-1], TIERS[1:], strict=True):
        a, b = table.loc[worse], table.loc[better]
        known = a["renewals"] > 0 and b["renewals"] > 0
        pairs.append(
            {
                "pair": f"{worse} > {better}",
                "ordered": bool(a["churn_rate"] > b["churn_rate"]) if known else None,
                "intervals_overlap": bool(
                    a["ci_low"] <= b["ci_high"] and b["ci_low"] <= a["ci_high"]
                )
                if known
                else None,
            }
        )
    verdicts = [p["ordered"] for p in pairs]
    return {
        "ordered": None if None in verdicts else all(verdicts),
        "intervals_overlap": any(bool(p["intervals_overlap"]) for p in pairs),
        "pairs": pairs,
    }


def reliability_table(y: np.ndarray, prob: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Deciles of predicted probability: mean predicted vs observed churn (Wilson interval)."""
    frame = pd.DataFrame({"y": np.asarray(y, dtype=float), "p": np.asarray(prob, dtype=float)})
    frame = frame.dropna()
    if frame.empty:
        return pd.DataFrame(columns=["bin", "renewals", "lost", "predicted", "churn_rate"])
    ranks = frame["p"].rank(method="first")
    frame["bin"] = pd.qcut(ranks, q=min(bins, len(frame)), labels=False) + 1
    rows = []
    for number, part in frame.groupby("bin"):
        rows.append(
            {
                "bin": int(number),
                "predicted": float(part["p"].mean()),
                **rate_row(int(part["y"].sum()), len(part)),
            }
        )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- per horizon


def counts(rows: pd.DataFrame) -> dict[str, int]:
    scored = rows["has_score"].astype(bool)
    return {
        "renewals": len(rows),
        "lost": int(rows["is_lost"].sum()),
        "kept": int((rows["is_lost"] == 0).sum()),
        "scored": int(scored.sum()),
        "unscored": int((~scored).sum()),
        "scored_lost": int(rows.loc[scored, "is_lost"].sum()),
    }


def scored_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows with a score (and a probability, when ranking by it)."""
    column = risk_column(rows)
    return rows[rows["has_score"].astype(bool) & rows[column].notna()]


def _by_group(
    rows: pd.DataFrame, group: pd.Series, replicates: int, seed: int
) -> dict[str, dict[str, Any]]:
    """Counts and ranking metrics of each group of rows (``group``: a label per row)."""
    scored = scored_rows(rows)
    out = {}
    for name in sorted(group.unique()):
        part = rows[group == name]
        part_scored = scored[group.loc[scored.index] == name]
        metrics = ranking_metrics(
            part_scored["is_lost"].to_numpy(dtype=float),
            risk_of(part_scored).to_numpy(dtype=float),
            replicates,
            seed,
        )
        out[str(name)] = {**counts(part), **metrics}
    return out


def horizon_metrics(
    rows: pd.DataFrame, replicates: int = REPLICATES, seed: int = SEED
) -> dict[str, Any]:
    """Everything measured on one horizon's rows: overall, per segment, tiers, lift; and per
    organisation (``orgs``) when the rows belong to several: the rest pools them."""
    scored = scored_rows(rows)
    y = scored["is_lost"].to_numpy(dtype=float)
    risk = risk_of(scored).to_numpy(dtype=float)
    overall = {**counts(rows), **ranking_metrics(y, risk, replicates, seed)}
    overall["worst_decile_lift"] = worst_decile_lift(y, risk)
    by_tier = churn_by_tier(scored)
    out: dict[str, Any] = {
        "all": overall,
        "segments": _by_group(rows, rows["segment"], replicates, seed),
        "churn_by_tier": by_tier,
        "tier_order": tier_order(by_tier),
    }
    orgs = rows["org_id"].fillna("(none)").astype(str) if "org_id" in rows else None
    if orgs is not None and orgs.nunique() > 1:
        out["orgs"] = _by_group(rows, orgs, replicates, seed)
    if risk_column(rows) == PROBABILITY:
        out["reliability"] = reliability_table(y, scored[PROBABILITY].to_numpy(dtype=float))
    return out
