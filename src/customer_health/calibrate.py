"""Calibrate the health score against real churn: propose per-segment weights and tier cut-offs.

The method, step by step (every fit and metric is scikit-learn):

1. **Data.** The labelled rows of ``intermediate.int_outcomes`` (not censored): per account and
   score date, the four family scores at the time and whether the account churned within
   ``horizon_days``. ``history_source`` says whether they come from the snapshot (what was
   published) or the point-in-time backfill; every output names it.
2. **Out-of-time split.** The distinct score dates are sorted; the earlier ~60% train, the later
   ones validate, with a gap of ``horizon_days`` between the last training date and the first
   validation date, so no training label looks into the validation period.
3. **Fit, per segment.** Features are the family risks ``(100 - score) / 100`` (a missing family
   score takes the segment's training mean). A logistic regression with non-negative weights,
   obtained the documented way: fit, drop the features with negative coefficients, refit until
   every coefficient is >= 0. The coefficients are normalised to shares.
4. **Shrink.** A global model over all segments gives prior weights; each segment's weights are
   pulled towards them: ``w = (n_events * w_segment + k * w_global) / (n_events + k)``, where
   ``n_events`` is the segment's churned account-dates in training and ``k`` is
   ``prior_strength``. A segment with fewer than :data:`MIN_SEGMENT_EVENTS` events takes the
   global weights. Weights are rounded to 2 decimals and still sum to exactly 1.
5. **Tiers.** The proposed cut-offs keep the current tier proportions of the validation period:
   each boundary is placed at the quantile of the proposed score that matches the share of
   validation rows below the current boundary under the current score (both scales of
   ``seeds/score_tiers.csv``, integers, monotone).
6. **Evaluate**, on the validation dates only, current score versus proposed score: ROC AUC, PR
   AUC (average precision), Brier score (probabilities from a logistic fit of churn on the score,
   fitted on the training dates), lift in the riskiest decile, churn rate by tier.

The proposed score here is a *preview*: the weighted mean of the family scores already computed
by dbt, with the proposed weights, a missing family's weight redistributed over the others (as
``int_scoring__health_scores`` does). The real rescoring happens when the proposal is applied to
``seeds/`` and ``customer-health build`` runs dbt again.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score, roc_curve

from customer_health.warehouse import Warehouse

FAMILIES = ("usage", "support", "relationship", "finance")
TRAIN_SHARE = 0.6
MIN_SCORE_DATES = 8
MIN_CHURNED_ACCOUNT_DATES = 20
MIN_SEGMENT_EVENTS = 5
MIN_VALIDATION_SHARE = 0.15
AT_RISK_TIERS = ("at_risk", "critical")
WEIGHT_DECIMALS = 2
PROPOSAL_FILES = ("segment_weights.csv", "score_tiers.csv")

OUTCOMES_SQL = """
select
    account_id,
    segment,
    history_source,
    usage_score,
    support_score,
    relationship_score,
    finance_score,
    health_score,
    is_churned_within_horizon,
    horizon_days,
    score_date
from intermediate.int_outcomes
where not is_censored
"""

CURRENT_ACCOUNTS_SQL = """
select
    account_id,
    account_name,
    segment,
    arr_reporting,
    usage_score,
    support_score,
    relationship_score,
    finance_score,
    health_score,
    health_tier,
    score_date
from marts.mart_account_health
where health_score is not null
"""


class NotEnoughHistory(RuntimeError):
    """Too little labelled history (or too few churns) to calibrate; the message says why."""


@dataclass(frozen=True)
class Split:
    """An out-of-time split of the labelled score dates."""

    horizon_days: int
    train_dates: list[dt.date]
    validation_dates: list[dt.date]

    @property
    def train_end(self) -> dt.date:
        return self.train_dates[-1]

    @property
    def validation_start(self) -> dt.date:
        return self.validation_dates[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "horizon_days": self.horizon_days,
            "train_start": self.train_dates[0].isoformat(),
            "train_end": self.train_end.isoformat(),
            "validation_start": self.validation_start.isoformat(),
            "validation_end": self.validation_dates[-1].isoformat(),
            "train_score_dates": len(self.train_dates),
            "validation_score_dates": len(self.validation_dates),
            "gap_days": (self.validation_start - self.train_end).days,
        }


@dataclass
class CalibrationResult:
    """Everything a calibration run found: weights, thresholds, metrics, impact, files."""

    warehouse: str
    generated_at: str
    history_source: str
    history_source_rows: dict[str, int]
    prior_strength: float
    split: dict[str, Any]
    rows: dict[str, int]
    segments: dict[str, dict[str, Any]]
    weights: dict[str, Any]
    thresholds: dict[str, list[dict[str, Any]]]
    metrics: dict[str, dict[str, Any]]
    churn_by_tier: list[dict[str, Any]]
    curves: dict[str, Any]
    lead_time: list[dict[str, Any]]
    impact: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    files: dict[str, Any] = field(default_factory=dict)
    status: str = "ok"

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))

    def write_json(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n")
        return path


# ----------------------------------------------------------------------------- reading


def _numeric(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def load_outcomes(wh: Warehouse) -> pd.DataFrame:
    """Labelled (not censored) rows of intermediate.int_outcomes, with plain dtypes."""
    frame = wh.query_df(OUTCOMES_SQL)
    frame = _numeric(
        frame, [f"{f}_score" for f in FAMILIES] + ["health_score", "is_churned_within_horizon"]
    )
    frame["score_date"] = pd.to_datetime(frame["score_date"]).dt.date
    frame["churned"] = frame["is_churned_within_horizon"].astype(int)
    frame["horizon_days"] = pd.to_numeric(frame["horizon_days"]).astype(int)
    # a fixed row order, so every engine gives the same fits and the same tie-breaks
    frame = frame.dropna(subset=["health_score"]).sort_values(["score_date", "account_id"])
    return frame.reset_index(drop=True)


def load_current_weights(wh: Warehouse) -> dict[str, dict[str, float]]:
    """The weights that produced the current scores (the segment_weights seed as loaded)."""
    frame = wh.query_df("select segment, family, weight from config.segment_weights")
    out: dict[str, dict[str, float]] = {}
    for row in frame.itertuples(index=False):
        out.setdefault(str(row.segment), {})[str(row.family)] = float(row.weight)
    return {seg: {f: out[seg].get(f, 0.0) for f in FAMILIES} for seg in sorted(out)}


def load_current_tiers(wh: Warehouse) -> pd.DataFrame:
    """The score_tiers seed as loaded: scale, label, min_score, max_score, sort_order."""
    frame = wh.query_df(
        "select scale, label, min_score, max_score, sort_order from config.score_tiers"
    )
    frame = _numeric(frame, ["min_score", "max_score"])
    frame["sort_order"] = pd.to_numeric(frame["sort_order"]).astype(int)
    return frame.sort_values(["scale", "sort_order"]).reset_index(drop=True)


def load_lead_time(wh: Warehouse) -> list[dict[str, Any]]:
    frame = wh.query_df("select * from calibration.rpt_lead_time_summary order by segment")
    return [_jsonable(r) for r in frame.to_dict(orient="records")]


# ----------------------------------------------------------------------------- checks, split


def check_history(frame: pd.DataFrame, horizon_days: int) -> None:
    """Raise NotEnoughHistory unless there are enough score dates, span and churns."""
    dates = sorted(frame["score_date"].unique()) if len(frame) else []
    span = (dates[-1] - dates[0]).days if dates else 0
    churned = int(frame["churned"].sum()) if len(frame) else 0
    problems = []
    if len(dates) < MIN_SCORE_DATES:
        problems.append(
            f"{MIN_SCORE_DATES} distinct labelled score dates are needed, there are {len(dates)}"
        )
    if span < 2 * horizon_days:
        problems.append(
            f"labelled history must span at least 2 x the {horizon_days}-day horizon "
            f"({2 * horizon_days} days), it spans {span}"
        )
    if churned < MIN_CHURNED_ACCOUNT_DATES:
        problems.append(
            f"{MIN_CHURNED_ACCOUNT_DATES} labelled churned account-dates are needed, "
            f"there are {churned}"
        )
    if problems:
        raise NotEnoughHistory(_refusal(problems, horizon_days))


def _refusal(problems: list[str], horizon_days: int) -> str:
    return (
        "Not enough history to calibrate: "
        + "; ".join(problems)
        + ". A score date only gets a label once its "
        + f"{horizon_days}-day horizon has passed. Keep building daily or weekly (the snapshot "
        + "records every published score), or load more past source data so the backfill "
        + "covers more score dates, then run `customer-health calibrate` again. The current "
        + "weights stay in force."
    )


def split_out_of_time(
    dates: list[dt.date], horizon_days: int, train_share: float = TRAIN_SHARE
) -> Split:
    """Train on the earlier ~train_share of the dates, validate after a horizon-long gap.

    If the gap leaves too few validation dates, training gives up dates (down to two) until
    at least max(2, 15% of the dates) remain for validation.
    """
    dates = sorted(set(dates))
    gap = dt.timedelta(days=horizon_days)
    need = max(2, math.ceil(MIN_VALIDATION_SHARE * len(dates)))
    n_train = max(2, round(train_share * len(dates)))
    while n_train >= 2:
        train_end = dates[n_train - 1]
        validation = [d for d in dates if d >= train_end + gap]
        if len(validation) >= need:
            return Split(horizon_days, dates[:n_train], validation)
        n_train -= 1
    raise NotEnoughHistory(
        _refusal(
            [
                f"{len(dates)} labelled score dates leave no room for a training period, a "
                f"{horizon_days}-day gap and {need} validation dates"
            ],
            horizon_days,
        )
    )


# ----------------------------------------------------------------------------- fitting


def fit_nonnegative_logistic(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Logistic regression coefficients constrained to be >= 0.

    The documented equivalent of a non-negative fit: fit, drop the features whose coefficient
    is negative, refit on the rest, until every coefficient is >= 0. Dropped features get 0.
    """
    keep = list(range(x.shape[1]))
    coef = np.zeros(x.shape[1])
    while keep:
        model = LogisticRegression(max_iter=2000).fit(x[:, keep], y)
        fitted = model.coef_[0]
        if (fitted >= 0).all():
            coef[keep] = fitted
            break
        keep = [k for k, c in zip(keep, fitted, strict=True) if c >= 0]
    return coef


def risk_matrix(frame: pd.DataFrame, fill: dict[str, dict[str, float]]) -> np.ndarray:
    """Family risks (100 - score) / 100; a missing score takes its segment's training mean."""
    out = np.empty((len(frame), len(FAMILIES)))
    for j, family in enumerate(FAMILIES):
        risk = (100.0 - frame[f"{family}_score"]) / 100.0
        means = frame["segment"].map(lambda s, f=family: fill.get(s, fill["all"])[f])
        out[:, j] = risk.fillna(means).to_numpy(dtype=float)
    return out


def training_means(train: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Mean family risk per segment (and 'all') on the training rows, for filling gaps."""
    overall = {}
    for family in FAMILIES:
        value = ((100.0 - train[f"{family}_score"]) / 100.0).mean()
        overall[family] = float(value) if pd.notna(value) else 0.0
    out = {"all": overall}
    for segment, rows in train.groupby("segment"):
        means = {}
        for family in FAMILIES:
            value = ((100.0 - rows[f"{family}_score"]) / 100.0).mean()
            means[family] = float(value) if pd.notna(value) else overall[family]
        out[str(segment)] = means
    return out


def _shares(coef: np.ndarray) -> dict[str, float] | None:
    total = float(coef.sum())
    if total <= 0:
        return None
    return {f: float(c) / total for f, c in zip(FAMILIES, coef, strict=True)}


def round_weights(weights: dict[str, float], decimals: int = WEIGHT_DECIMALS) -> dict[str, float]:
    """Round shares to `decimals` so they still sum to exactly 1 (largest remainder)."""
    unit = 10**decimals
    total = sum(weights.values())
    raw = {f: weights[f] / total * unit for f in weights}
    floors = {f: math.floor(v) for f, v in raw.items()}
    left = unit - sum(floors.values())
    for f in sorted(raw, key=lambda k: (floors[k] - raw[k], k))[:left]:
        floors[f] += 1
    return {f: floors[f] / unit for f in weights}


def fit_weights(
    train: pd.DataFrame,
    segments: list[str],
    prior_strength: float,
    current: dict[str, dict[str, float]],
) -> tuple[dict[str, dict[str, float]], dict[str, float], dict[str, dict[str, Any]], list[str]]:
    """Per-segment non-negative logistic weights, shrunk towards a global fit, rounded."""
    notes: list[str] = []
    fill = training_means(train)
    x_all = risk_matrix(train, fill)
    y_all = train["churned"].to_numpy()
    global_shares = _shares(fit_nonnegative_logistic(x_all, y_all))
    if global_shares is None:
        notes.append(
            "No family risk is positively related to churn in training: the current weights "
            "are kept."
        )
    proposed: dict[str, dict[str, float]] = {}
    info: dict[str, dict[str, Any]] = {}
    for segment in segments:
        rows = train[train["segment"] == segment]
        events = int(rows["churned"].sum())
        churned_accounts = int(rows.loc[rows["churned"] == 1, "account_id"].nunique())
        seg_info: dict[str, Any] = {
            "training_rows": len(rows),
            "churn_events": events,
            "churned_accounts": churned_accounts,
            "fitted_shares": None,
            "source": "segment fit shrunk towards global",
        }
        if global_shares is None:
            proposed[segment] = dict(current.get(segment, {f: 0.25 for f in FAMILIES}))
            seg_info["source"] = "current weights kept (no usable fit)"
        elif events < MIN_SEGMENT_EVENTS or rows["churned"].nunique() < 2:
            proposed[segment] = round_weights(global_shares)
            seg_info["source"] = "global weights (too few churn events)"
            notes.append(
                f"{segment}: {events} churn events in training (fewer than "
                f"{MIN_SEGMENT_EVENTS}): it takes the global weights."
            )
        else:
            seg_shares = _shares(
                fit_nonnegative_logistic(risk_matrix(rows, fill), rows["churned"].to_numpy())
            )
            if seg_shares is None:
                proposed[segment] = round_weights(global_shares)
                seg_info["source"] = "global weights (no family positively related to churn)"
                notes.append(
                    f"{segment}: no family risk is positively related to churn: it takes the "
                    "global weights."
                )
            else:
                seg_info["fitted_shares"] = seg_shares
                shrunk = {
                    f: (events * seg_shares[f] + prior_strength * global_shares[f])
                    / (events + prior_strength)
                    for f in FAMILIES
                }
                proposed[segment] = round_weights(shrunk)
        info[segment] = seg_info
    return proposed, global_shares or {}, info, notes


# ----------------------------------------------------------------------------- scoring


def weighted_score(frame: pd.DataFrame, weights: dict[str, dict[str, float]]) -> pd.Series:
    """Weighted mean of the family scores with per-segment weights; a missing family's weight
    is redistributed over the families that have a score (as int_scoring__health_scores)."""
    numerator = pd.Series(0.0, index=frame.index)
    denominator = pd.Series(0.0, index=frame.index)
    for family in FAMILIES:
        w = frame["segment"].map(lambda s, f=family: weights.get(s, {}).get(f, 0.0)).astype(float)
        score = frame[f"{family}_score"]
        present = score.notna()
        numerator += (w * score).where(present, 0.0)
        denominator += w.where(present, 0.0)
    return (numerator / denominator.where(denominator > 0)).astype(float)


def assign_tier(score: pd.Series, tiers: pd.DataFrame, scale: str = "health_tier") -> pd.Series:
    """The band of each score: min_score <= score < max_score."""
    bands = tiers[tiers["scale"] == scale].sort_values("sort_order")
    out = pd.Series(pd.NA, index=score.index, dtype=object)
    for band in bands.itertuples(index=False):
        inside = (score >= band.min_score) & (score < band.max_score)
        out = out.mask(inside, band.label)
    return out


def propose_thresholds(
    tiers: pd.DataFrame, current_score: pd.Series, proposed_score: pd.Series
) -> pd.DataFrame:
    """Cut-offs for the proposed score that keep the current band proportions.

    For every inner boundary b of each scale, the share of validation rows with current score
    below b is matched by the same quantile of the proposed score (rounded to an integer).
    Boundaries equal on the current scales stay equal; bands stay monotone and non-empty.
    """
    current = current_score.dropna().to_numpy()
    proposed = proposed_score.dropna().to_numpy()
    cut: dict[float, int] = {}
    for boundary in sorted(set(tiers["min_score"]) | set(tiers["max_score"])):
        if boundary <= tiers["min_score"].min() or boundary >= tiers["max_score"].max():
            continue
        share = float((current < boundary).mean())
        cut[boundary] = int(round(float(np.quantile(proposed, share))))
    low, high = int(tiers["min_score"].min()), int(tiers["max_score"].max())
    previous = low
    for boundary in sorted(cut):  # monotone and every band at least 1 point wide
        cut[boundary] = min(max(cut[boundary], previous + 1), high - 1)
        previous = cut[boundary]
    out = tiers.copy()
    out["min_score"] = [cut.get(v, int(v)) for v in tiers["min_score"]]
    out["max_score"] = [cut.get(v, int(v)) for v in tiers["max_score"]]
    out["min_score"] = out["min_score"].astype(int)
    out["max_score"] = out["max_score"].astype(int)
    return out


# ----------------------------------------------------------------------------- evaluation


def _probabilities(train_score: pd.Series, train_y: pd.Series, score: pd.Series) -> np.ndarray:
    """P(churn | score): a logistic fit of churn on the score, on training rows only."""
    if train_y.nunique() < 2:
        return np.full(len(score), float(train_y.mean()) if len(train_y) else 0.0)
    model = LogisticRegression(max_iter=1000)
    model.fit((train_score.to_numpy().reshape(-1, 1) - 50.0) / 50.0, train_y.to_numpy())
    return model.predict_proba((score.to_numpy().reshape(-1, 1) - 50.0) / 50.0)[:, 1]


def lift_top_decile(y: np.ndarray, score: np.ndarray) -> float | None:
    """Churn rate of the 10% lowest scores divided by the overall churn rate."""
    if len(y) == 0 or y.mean() == 0:
        return None
    top = max(1, math.ceil(0.1 * len(y)))
    order = np.argsort(score, kind="stable")
    return float(y[order[:top]].mean() / y.mean())


def score_metrics(y: np.ndarray, score: np.ndarray, prob: np.ndarray) -> dict[str, float | None]:
    """ROC AUC, PR AUC, Brier score and top-decile lift of a score (higher = healthier)."""
    both = len(set(y.tolist())) == 2
    return {
        "roc_auc": float(roc_auc_score(y, -score)) if both else None,
        "pr_auc": float(average_precision_score(y, -score)) if both else None,
        "brier": float(brier_score_loss(y, prob)) if len(y) else None,
        "lift_top_decile": lift_top_decile(y, score),
    }


def evaluate(
    train: pd.DataFrame, validation: pd.DataFrame, segments: list[str]
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Metrics per segment and overall on the validation rows, and the curves for the report.

    Both frames carry ``current_score`` and ``proposed_score``.
    """
    scored = ["current_score", "proposed_score"]
    train = train.dropna(subset=scored)
    validation = validation.dropna(subset=scored)
    metrics: dict[str, dict[str, Any]] = {}
    curves: dict[str, Any] = {"roc": {}, "reliability": {}, "distributions": {}}
    for segment in [*segments, "all"]:
        tr = train if segment == "all" else train[train["segment"] == segment]
        va = validation if segment == "all" else validation[validation["segment"] == segment]
        y = va["churned"].to_numpy()
        entry: dict[str, Any] = {
            "validation_rows": len(va),
            "validation_churned": int(y.sum()),
            "churn_rate": float(y.mean()) if len(y) else None,
        }
        for kind in ("current", "proposed"):
            prob = _probabilities(tr[f"{kind}_score"], tr["churned"], va[f"{kind}_score"])
            entry[kind] = score_metrics(y, va[f"{kind}_score"].to_numpy(), prob)
            if segment == "all" and len(set(y.tolist())) == 2:
                fpr, tpr, _ = roc_curve(y, -va[f"{kind}_score"].to_numpy())
                curves["roc"][kind] = _thin_curve(fpr, tpr)
                observed, predicted = calibration_curve(y, prob, n_bins=10, strategy="quantile")
                curves["reliability"][kind] = {
                    "predicted": predicted.tolist(),
                    "observed": observed.tolist(),
                }
        metrics[segment] = entry
    for kind in ("current", "proposed"):
        metrics["all"][kind]["roc_auc_within_segments"] = within_segments_auc(metrics, kind)
    bins = np.arange(0, 105, 5)
    for kind in ("current", "proposed"):
        curves["distributions"][kind] = {"bin_edges": bins.tolist()}
        for label, rows in (("churned", 1), ("retained", 0)):
            values = validation.loc[validation["churned"] == rows, f"{kind}_score"].dropna()
            counts, _ = np.histogram(values.clip(0, 100), bins=bins)
            total = max(int(counts.sum()), 1)
            curves["distributions"][kind][label] = (counts / total).tolist()
    return metrics, curves


def within_segments_auc(metrics: dict[str, dict[str, Any]], kind: str) -> float | None:
    """Mean of the per-segment ROC AUCs, weighted by validation churns.

    The pooled AUC also rewards ranking the segments against each other (SMB churns more than
    enterprise), which per-segment weights do not aim at; this one measures only the ranking
    within each segment, which is what the weights control.
    """
    pairs = [
        (m[kind]["roc_auc"], m["validation_churned"])
        for segment, m in metrics.items()
        if segment != "all" and m[kind]["roc_auc"] is not None
    ]
    total = sum(n for _, n in pairs)
    return sum(auc * n for auc, n in pairs) / total if total else None


def _thin_curve(fpr: np.ndarray, tpr: np.ndarray, points: int = 200) -> dict[str, list[float]]:
    if len(fpr) > points:
        keep = np.unique(np.linspace(0, len(fpr) - 1, points).round().astype(int))
        fpr, tpr = fpr[keep], tpr[keep]
    return {"fpr": [float(v) for v in fpr], "tpr": [float(v) for v in tpr]}


def churn_by_tier(
    validation: pd.DataFrame,
    current_tiers: pd.DataFrame,
    proposed_tiers: pd.DataFrame,
    segments: list[str],
) -> list[dict[str, Any]]:
    """Validation churn rate per health tier, current vs proposed, per segment and overall."""
    frame = validation.assign(
        current_tier=assign_tier(validation["current_score"], current_tiers),
        proposed_tier=assign_tier(validation["proposed_score"], proposed_tiers),
    )
    labels = current_tiers[current_tiers["scale"] == "health_tier"]
    out = []
    for segment in [*segments, "all"]:
        rows = frame if segment == "all" else frame[frame["segment"] == segment]
        for kind in ("current", "proposed"):
            for tier in labels.sort_values("sort_order")["label"]:
                band = rows[rows[f"{kind}_tier"] == tier]
                out.append(
                    {
                        "segment": segment,
                        "score": kind,
                        "tier": tier,
                        "account_dates": len(band),
                        "churned": int(band["churned"].sum()),
                        "churn_rate": float(band["churned"].mean()) if len(band) else None,
                    }
                )
    return out


def impact_preview(
    accounts: pd.DataFrame,
    proposed_weights: dict[str, dict[str, float]],
    current_tiers: pd.DataFrame,
    proposed_tiers: pd.DataFrame,
) -> dict[str, Any]:
    """What the proposal would do to today's accounts: tier moves and ARR in/out of at risk."""
    if accounts.empty:
        return {"score_date": None, "accounts": 0, "accounts_changing_tier": 0}
    frame = accounts.copy()
    frame["current_tier"] = assign_tier(frame["health_score"], current_tiers)
    frame["proposed_score"] = weighted_score(frame, proposed_weights)
    frame["proposed_tier"] = assign_tier(frame["proposed_score"], proposed_tiers)
    labels = list(
        current_tiers[current_tiers["scale"] == "health_tier"].sort_values("sort_order")["label"]
    )
    matrix = {
        a: {
            b: int(((frame["current_tier"] == a) & (frame["proposed_tier"] == b)).sum())
            for b in labels
        }
        for a in labels
    }
    was = frame["current_tier"].isin(AT_RISK_TIERS)
    will = frame["proposed_tier"].isin(AT_RISK_TIERS)
    arr = frame["arr_reporting"].fillna(0.0)
    entering = frame[~was & will].sort_values("arr_reporting", ascending=False)
    leaving = frame[was & ~will].sort_values("arr_reporting", ascending=False)
    movers = pd.concat(
        [entering.assign(move="into at risk"), leaving.assign(move="out of at risk")]
    )
    movers = movers.sort_values("arr_reporting", ascending=False).head(15)
    return {
        "score_date": str(pd.to_datetime(frame["score_date"]).max().date()),
        "accounts": len(frame),
        "accounts_changing_tier": int(
            (
                frame["current_tier"].fillna("unscored")
                != frame["proposed_tier"].fillna("unscored")
            ).sum()
        ),
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


# ----------------------------------------------------------------------------- files


def weights_frame(weights: dict[str, dict[str, float]]) -> pd.DataFrame:
    rows = [
        {"segment": s, "family": f, "weight": f"{weights[s][f]:.{WEIGHT_DECIMALS}f}"}
        for s in weights
        for f in FAMILIES
    ]
    return pd.DataFrame(rows, columns=["segment", "family", "weight"])


def write_proposal(
    output_dir: Path, weights: dict[str, dict[str, float]], tiers: pd.DataFrame
) -> dict[str, Path]:
    """Write the proposal as seed-shaped CSVs (segment_weights.csv, score_tiers.csv)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: output_dir / name for name in PROPOSAL_FILES}
    weights_frame(weights).to_csv(paths["segment_weights.csv"], index=False)
    tiers[["scale", "label", "min_score", "max_score", "sort_order"]].to_csv(
        paths["score_tiers.csv"], index=False
    )
    return paths


def apply_proposal(output_dir: Path, seeds_dir: Path) -> list[Path]:
    """Copy the proposal over the real seeds; `customer-health build` then rescores."""
    copied = []
    for name in PROPOSAL_FILES:
        target = seeds_dir / name
        shutil.copyfile(output_dir / name, target)
        copied.append(target)
    return copied


# ----------------------------------------------------------------------------- orchestration


@contextmanager
def _steps(total: int, enabled: bool) -> Iterator[Any]:
    """Yield step(description): a rich progress bar when enabled, else a no-op."""
    if not enabled:
        yield lambda description: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]calibrate[/]"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task("", total=total)
        state = {"started": False}

        def step(description: str) -> None:
            if state["started"]:
                bar.advance(task)
            state["started"] = True
            bar.update(task, description=description)

        yield step
        bar.update(task, completed=total)


def history_source_label(rows: dict[str, int]) -> str:
    present = [name for name in ("snapshot", "backfill") if rows.get(name)]
    return " + ".join(present) if present else "none"


def run_calibration(
    wh: Warehouse,
    prior_strength: float = 30.0,
    output_dir: Path | None = None,
    apply: bool = False,
    seeds_dir: Path | None = None,
    json_path: Path | None = None,
    progress: bool = False,
) -> CalibrationResult:
    """Fit, evaluate and (optionally) write and apply a calibration proposal.

    ``output_dir``: where the seed-shaped proposal goes (nothing is written when None).
    ``apply``: copy it over ``seeds_dir`` (default: the project's ``seeds/``).
    ``json_path``: also write the result as JSON. Raises :class:`NotEnoughHistory`.
    """
    if apply and output_dir is None:
        raise ValueError("apply needs an output_dir to write the proposal to first")
    with _steps(7, progress) as step:
        step("reading int_outcomes")
        outcomes = load_outcomes(wh)
        current_weights = load_current_weights(wh)
        current_tiers = load_current_tiers(wh)
        horizon = int(outcomes["horizon_days"].iloc[0]) if len(outcomes) else _horizon(wh)
        source_rows = {str(k): int(v) for k, v in outcomes["history_source"].value_counts().items()}
        source = history_source_label(source_rows)

        step("checking history and splitting out of time")
        check_history(outcomes, horizon)
        split = split_out_of_time(list(outcomes["score_date"].unique()), horizon)
        train = outcomes[outcomes["score_date"] <= split.train_end].copy()
        validation = outcomes[outcomes["score_date"] >= split.validation_start].copy()
        for name, rows, need in (
            ("training", train, MIN_SEGMENT_EVENTS),
            ("validation", validation, 1),
        ):
            if int(rows["churned"].sum()) < need or rows["churned"].nunique() < 2:
                raise NotEnoughHistory(
                    _refusal(
                        [
                            f"the {name} period ({rows['score_date'].min()} to "
                            f"{rows['score_date'].max()}) has {int(rows['churned'].sum())} "
                            f"churned account-dates, at least {need} are needed"
                        ],
                        horizon,
                    )
                )
        segments = sorted(set(current_weights) | set(outcomes["segment"].dropna().unique()))

        step("fitting weights per segment")
        proposed, global_shares, seg_info, notes = fit_weights(
            train, segments, prior_strength, current_weights
        )

        step("proposing tier thresholds")
        for frame in (train, validation):
            frame["current_score"] = frame["health_score"]
            frame["proposed_score"] = weighted_score(frame, proposed)
        proposed_tiers = propose_thresholds(
            current_tiers, validation["current_score"], validation["proposed_score"]
        )

        step("evaluating on the validation dates")
        metrics, curves = evaluate(train, validation, segments)
        tiers_rows = churn_by_tier(validation, current_tiers, proposed_tiers, segments)
        lead_time = load_lead_time(wh)

        step("previewing the impact on today's accounts")
        accounts = wh.query_df(CURRENT_ACCOUNTS_SQL).sort_values("account_id")
        accounts = _numeric(
            accounts, [f"{f}_score" for f in FAMILIES] + ["health_score", "arr_reporting"]
        )
        impact = impact_preview(accounts, proposed, current_tiers, proposed_tiers)
        impact["roc_auc_current"] = metrics["all"]["current"]["roc_auc"]
        impact["roc_auc_proposed"] = metrics["all"]["proposed"]["roc_auc"]
        notes.extend(_warnings(metrics))

        step("writing files")
        notes.append(
            "The proposed score is a preview: the family scores already computed by dbt, "
            "re-weighted with the proposed weights (a missing family's weight redistributed). "
            "The real rescoring happens when the proposal is applied to seeds/ and "
            "`customer-health build` runs."
        )
        result = CalibrationResult(
            warehouse=wh.describe(),
            generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            history_source=source,
            history_source_rows=source_rows,
            prior_strength=float(prior_strength),
            split=split.to_dict(),
            rows={
                "labelled": len(outcomes),
                "labelled_churned": int(outcomes["churned"].sum()),
                "training": len(train),
                "training_churned": int(train["churned"].sum()),
                "validation": len(validation),
                "validation_churned": int(validation["churned"].sum()),
            },
            segments=seg_info,
            weights={"current": current_weights, "proposed": proposed, "global": global_shares},
            thresholds={
                "current": _tier_records(current_tiers),
                "proposed": _tier_records(proposed_tiers),
            },
            metrics=metrics,
            churn_by_tier=tiers_rows,
            curves=curves,
            lead_time=lead_time,
            impact=impact,
            notes=notes,
        )
        if output_dir is not None:
            paths = write_proposal(output_dir, proposed, proposed_tiers)
            result.files["proposal"] = {k: str(v) for k, v in paths.items()}
            (output_dir / "PROPOSAL.md").write_text(_proposal_readme(result))
            if apply:
                from customer_health import dbt as dbt_runner

                seeds = seeds_dir or dbt_runner.project_dir() / "seeds"
                result.files["applied_to"] = [str(p) for p in apply_proposal(output_dir, seeds)]
        if json_path is not None:
            result.files["json"] = str(json_path)
            result.write_json(json_path)
    return result


def _warnings(metrics: dict[str, dict[str, Any]]) -> list[str]:
    """Say plainly where the proposal does not beat the current score out of time."""
    out = []
    overall = metrics["all"]
    for label, key in (("overall", "roc_auc"), ("within segments", "roc_auc_within_segments")):
        before, after = overall["current"][key], overall["proposed"][key]
        if before is not None and after is not None and after < before:
            if f"{after:.3f}" == f"{before:.3f}":
                # a difference below the third decimal is no change, not a worse ranking
                out.append(
                    f"The proposal does not change how the score ranks churners {label} on "
                    f"the validation dates (ROC AUC {before:.3f} before and after)."
                )
            else:
                out.append(
                    f"The proposal ranks churners worse than the current score {label} on the "
                    f"validation dates (ROC AUC {before:.3f} -> {after:.3f}): review it before "
                    "applying."
                )
    for segment, m in metrics.items():
        if segment != "all" and m["current"]["roc_auc"] is None:
            out.append(
                f"{segment}: no churn in the validation period, so its AUC cannot be measured."
            )
    return out


def _horizon(wh: Warehouse) -> int:
    frame = wh.query_df("select max(horizon_days) as horizon_days from intermediate.int_outcomes")
    value = frame["horizon_days"].iloc[0] if len(frame) else None
    return int(value) if value is not None and pd.notna(value) else 90


def _tier_records(tiers: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "scale": str(r.scale),
            "label": str(r.label),
            "min_score": int(r.min_score),
            "max_score": int(r.max_score),
            "sort_order": int(r.sort_order),
        }
        for r in tiers.itertuples(index=False)
    ]


def _proposal_readme(result: CalibrationResult) -> str:
    overall = result.metrics["all"]
    return (
        "# Calibration proposal\n\n"
        f"Generated {result.generated_at} from {result.warehouse}.\n\n"
        f"- history source: {result.history_source} {result.history_source_rows}\n"
        f"- trained on score dates {result.split['train_start']} to {result.split['train_end']}, "
        f"validated on {result.split['validation_start']} to {result.split['validation_end']} "
        f"({result.split['gap_days']}-day gap, horizon {result.split['horizon_days']} days)\n"
        f"- ROC AUC on validation: current {_fmt(overall['current']['roc_auc'])}, proposed "
        f"{_fmt(overall['proposed']['roc_auc'])}\n\n"
        "`segment_weights.csv` and `score_tiers.csv` have the shape of the seeds of the same "
        "name. Apply with `customer-health calibrate --apply` (or copy them over `seeds/`), "
        "then `customer-health build`.\n"
    )


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _jsonable(value: Any) -> Any:
    """Plain JSON types: numpy scalars, dates, NaN -> None."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp | dt.date | dt.datetime):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "as_tuple"):  # Decimal from Postgres
        return float(value)
    return value


# ----------------------------------------------------------------------------- terminal


def print_summary(result: CalibrationResult, console: Any | None = None) -> None:
    """A readable rich summary: split, AUC before/after per segment, weights, tiers, impact."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console(width=120)
    split = result.split
    console.print(
        f"[bold]Calibration[/] on {result.warehouse}\n"
        f"History source: [bold]{result.history_source}[/] "
        f"({', '.join(f'{k}: {v:,} rows' for k, v in result.history_source_rows.items())})\n"
        f"Train {split['train_start']} .. {split['train_end']} "
        f"({split['train_score_dates']} score dates, {result.rows['training']:,} rows, "
        f"{result.rows['training_churned']:,} churned)  |  gap {split['gap_days']} days  |  "
        f"validate {split['validation_start']} .. {split['validation_end']} "
        f"({split['validation_score_dates']} score dates, {result.rows['validation']:,} rows, "
        f"{result.rows['validation_churned']:,} churned)"
    )
    table = Table(title="Validation metrics: current score -> proposed preview")
    for column in ("segment", "rows", "churned", "ROC AUC", "PR AUC", "Brier", "lift top 10%"):
        table.add_column(column, justify="left" if column == "segment" else "right")
    for segment, m in result.metrics.items():
        cur, new = m["current"], m["proposed"]
        table.add_row(
            segment,
            f"{m['validation_rows']:,}",
            f"{m['validation_churned']:,}",
            _arrow(cur["roc_auc"], new["roc_auc"]),
            _arrow(cur["pr_auc"], new["pr_auc"]),
            _arrow(cur["brier"], new["brier"], lower_is_better=True),
            _arrow(cur["lift_top_decile"], new["lift_top_decile"], digits=2),
        )
    overall = result.metrics["all"]
    table.add_row(
        "[dim]within segments[/]",
        "",
        "",
        _arrow(
            overall["current"].get("roc_auc_within_segments"),
            overall["proposed"].get("roc_auc_within_segments"),
        ),
        "",
        "",
        "",
    )
    console.print(table)
    weights = Table(
        title=f"Weights per segment: current -> proposed (prior strength "
        f"{result.prior_strength:g} churn events)"
    )
    weights.add_column("segment")
    for family in FAMILIES:
        weights.add_column(family, justify="right")
    weights.add_column("churn events (accounts)", justify="right")
    weights.add_column("source")
    for segment, proposed in result.weights["proposed"].items():
        current = result.weights["current"].get(segment, {})
        info = result.segments.get(segment, {})
        weights.add_row(
            segment,
            *(f"{current.get(f, 0):.2f} -> [bold]{proposed[f]:.2f}[/]" for f in FAMILIES),
            f"{info.get('churn_events', 0):,} ({info.get('churned_accounts', 0)})",
            info.get("source", ""),
        )
    console.print(weights)
    tiers = Table(title="Tier cut-offs: current -> proposed")
    tiers.add_column("scale")
    tiers.add_column("band")
    tiers.add_column("min score", justify="right")
    for cur_row, new_row in zip(
        result.thresholds["current"], result.thresholds["proposed"], strict=True
    ):
        tiers.add_row(
            cur_row["scale"],
            cur_row["label"],
            f"{cur_row['min_score']} -> [bold]{new_row['min_score']}[/]",
        )
    console.print(tiers)
    impact = result.impact
    if impact.get("accounts"):
        console.print(
            f"[bold]Impact on today's accounts[/] ({impact['score_date']}): "
            f"{impact['accounts_changing_tier']:,} of {impact['accounts']:,} change tier; "
            f"{impact['accounts_into_at_risk']} move into at risk "
            f"({impact['arr_into_at_risk']:,.0f} ARR), {impact['accounts_out_of_at_risk']} move "
            f"out ({impact['arr_out_of_at_risk']:,.0f} ARR); ARR at risk "
            f"{impact['arr_at_risk_current']:,.0f} -> {impact['arr_at_risk_proposed']:,.0f}."
        )
        matrix = Table(title="Tier transitions (rows: current, columns: proposed)")
        matrix.add_column("current \\ proposed")
        labels = list(impact["transition_matrix"])
        for label in labels:
            matrix.add_column(label, justify="right")
        for label in labels:
            matrix.add_row(label, *(str(impact["transition_matrix"][label][b]) for b in labels))
        console.print(matrix)
    lead = {row["segment"]: row for row in result.lead_time}
    if "all" in lead:
        row = lead["all"]
        console.print(
            f"Lead time (current alerts): {row['churns_alerted']} of {row['churns']} churns "
            f"alerted, median {_fmt(row['median_lead_time_days'], 0)} days ahead, "
            f"{row['churns_alerted_60_days_ahead']} at least 60 days ahead."
        )
    for note in result.notes:
        console.print(f"[dim]note:[/] {note}")


def _arrow(
    before: float | None, after: float | None, digits: int = 3, lower_is_better: bool = False
) -> str:
    if before is None or after is None:
        return f"{_fmt(before, digits)} -> {_fmt(after, digits)}"
    better = after < before if lower_is_better else after > before
    colour = "green" if better else "red" if after != before else "white"
    return f"{before:.{digits}f} -> [{colour}]{after:.{digits}f}[/]"
