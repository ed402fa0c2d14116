"""The fit: a penalised logistic model on factor badness, coefficients >= 0, per segment.

``P(lost) = 1 / (1 + exp(-(b0 + sum_f beta_f * badness_f)))`` with every ``beta_f >= 0``
(a factor's direction is already in its sub-score, so a worse factor can only add risk), fitted
with scipy's L-BFGS-B under bounds, minimising the summed log-loss plus
``penalty / 2 * ||beta - prior||^2`` (the intercept is not penalised).

1. **Penalty.** Chosen from :data:`PENALTY_GRID` on a time-ordered split inside the training
   renewals (the earlier 70% fit, the later 30% judge by mean log-loss); when that inner part
   has fewer than :data:`MIN_INNER_LOST` lost renewals, :data:`DEFAULT_PENALTY` is used.
2. **Global fit** on all training renewals (prior 0).
3. **Segments.** Each segment is fitted on its own renewals with the same penalty, pulled
   towards the global coefficients (prior = global), then blended with them:
   ``beta_s = (lost_s * own_s + k * global) / (lost_s + k)``, ``k`` = ``prior_strength`` in
   lost renewals: a segment with ``k`` lost renewals counts half.
4. **Seeds.** Effective weights are proportional to the coefficients. Factor weights within a
   family (``factor_catalogue.factor_weight``, one set for all segments) come from the global
   fit; each segment's family weights (``segment_weights``) are its coefficients summed by
   family. Both are rounded to 2 decimals with a floor of 0.01 and sum exactly to what they
   summed to before (1): a factor that carries nothing gets 0.01, never 0, because the scoring
   divides a family's weight by the weights of its factors with data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import minimize

PENALTY_GRID = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
DEFAULT_PENALTY = 3.0
INNER_TRAIN_SHARE = 0.7
MIN_INNER_LOST = 10
WEIGHT_DECIMALS = 2
WEIGHT_FLOOR = 0.01


def _log_loss_terms(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """-log P(y | z) for the logit z, computed stably."""
    return np.logaddexp(0.0, z) - y * z


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def fit_constrained_logistic(
    x: np.ndarray,
    y: np.ndarray,
    penalty: float,
    prior: np.ndarray | None = None,
    sample_weight: np.ndarray | None = None,
) -> tuple[float, np.ndarray]:
    """(intercept, coefficients >= 0) minimising weighted log-loss + penalty/2 ||beta-prior||^2."""
    n, k = x.shape
    prior = np.zeros(k) if prior is None else np.asarray(prior, dtype=float)
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    rate = float(np.clip(np.average(y, weights=w) if n else 0.5, 1e-4, 1 - 1e-4))

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        b0, beta = theta[0], theta[1:]
        z = b0 + x @ beta
        residual = w * (sigmoid(z) - y)
        diff = beta - prior
        value = float(w @ _log_loss_terms(z, y) + 0.5 * penalty * diff @ diff)
        grad = np.concatenate([[residual.sum()], x.T @ residual + penalty * diff])
        return value, grad

    start = np.concatenate([[math.log(rate / (1 - rate))], np.maximum(prior, 0.0)])
    bounds = [(None, None)] + [(0.0, None)] * k
    found = minimize(
        objective, start, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 2000}
    )
    theta = np.asarray(found.x, dtype=float)
    return float(theta[0]), np.maximum(theta[1:], 0.0)


def mean_log_loss(
    x: np.ndarray,
    y: np.ndarray,
    intercept: float,
    coef: np.ndarray,
    sample_weight: np.ndarray | None = None,
) -> float:
    return float(np.average(_log_loss_terms(intercept + x @ coef, y), weights=sample_weight))


def choose_penalty(
    x: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray | None = None,
    grid: tuple[float, ...] = PENALTY_GRID,
) -> tuple[float, dict[str, Any]]:
    """The penalty with the lowest log-loss on the later 30% of the (time-ordered) training
    renewals, fitted on the earlier 70%; the default when the later part has too few lost."""
    cut = int(round(INNER_TRAIN_SHARE * len(y)))
    inner_lost = int(y[cut:].sum()), int(y[:cut].sum())
    if min(inner_lost) < MIN_INNER_LOST:
        return DEFAULT_PENALTY, {
            "method": "default",
            "reason": f"the inner split has {inner_lost[1]} / {inner_lost[0]} lost renewals "
            f"(earlier / later), fewer than {MIN_INNER_LOST} on a side",
            "scores": {},
        }
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    scores = {}
    for penalty in grid:
        intercept, coef = fit_constrained_logistic(x[:cut], y[:cut], penalty, sample_weight=w[:cut])
        scores[penalty] = mean_log_loss(x[cut:], y[cut:], intercept, coef, w[cut:])
    best = min(grid, key=lambda p: (round(scores[p], 12), -p))
    return best, {
        "method": "time-ordered split inside training (earlier 70% fit, later 30% judge)",
        "scores": {f"{p:g}": scores[p] for p in grid},
    }


@dataclass
class FactorFit:
    """Coefficients of the global and per-segment fits (factor order of ``factors``)."""

    factors: list[str]
    penalty: float
    penalty_choice: dict[str, Any]
    global_intercept: float
    global_coef: np.ndarray
    segment_coef: dict[str, np.ndarray] = field(default_factory=dict)
    segment_intercept: dict[str, float] = field(default_factory=dict)
    segments: dict[str, dict[str, Any]] = field(default_factory=dict)


def blend(own: np.ndarray, prior: np.ndarray, lost: int, prior_strength: float) -> np.ndarray:
    """(lost * own + k * prior) / (lost + k): a segment with k lost renewals counts half."""
    if lost + prior_strength <= 0:
        return np.asarray(own, dtype=float)
    return (lost * np.asarray(own) + prior_strength * np.asarray(prior)) / (lost + prior_strength)


def fit_factors(
    x: np.ndarray,
    y: np.ndarray,
    segment: np.ndarray,
    factors: list[str],
    segments: list[str],
    prior_strength: float,
    penalty: float | None = None,
    sample_weight: np.ndarray | None = None,
) -> FactorFit:
    """The global fit, then every segment's own fit blended towards it (module docstring)."""
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    if penalty is None:
        penalty, choice = choose_penalty(x, y, w)
    else:
        choice = {"method": "given", "scores": {}}
    intercept, coef = fit_constrained_logistic(x, y, penalty, sample_weight=w)
    fit = FactorFit(factors, penalty, choice, intercept, coef)
    for name in segments:
        rows = segment == name
        lost = int(y[rows].sum())
        info: dict[str, Any] = {
            "training_renewals": int(rows.sum()),
            "training_lost": lost,
            "own_share": lost / (lost + prior_strength) if lost + prior_strength > 0 else 1.0,
        }
        if lost == 0 or lost == int(rows.sum()):
            fit.segment_coef[name] = coef.copy()
            fit.segment_intercept[name] = intercept
            info["source"] = "global fit (no lost or no kept renewal in training)"
        else:
            own_b0, own = fit_constrained_logistic(
                x[rows], y[rows], penalty, prior=coef, sample_weight=w[rows]
            )
            fit.segment_coef[name] = blend(own, coef, lost, prior_strength)
            fit.segment_intercept[name] = float(
                blend(np.array([own_b0]), np.array([intercept]), lost, prior_strength)[0]
            )
            info["source"] = f"own fit blended with the global one ({info['own_share']:.0%} own)"
        fit.segments[name] = info
    return fit


def round_shares(
    shares: dict[str, float],
    total: float = 1.0,
    decimals: int = WEIGHT_DECIMALS,
    floor: float = WEIGHT_FLOOR,
) -> dict[str, float]:
    """Shares scaled to ``total``, rounded to ``decimals`` (largest remainder), each at least
    ``floor``, summing to exactly ``total``. Shares that would fall under the floor sit on it;
    the others split what is left in proportion."""
    unit = 10**decimals
    units_total = int(round(total * unit))
    floor_units = int(round(floor * unit))
    keys = list(shares)
    if floor_units * len(keys) > units_total:
        raise ValueError(f"a floor of {floor} for {len(keys)} weights exceeds {total}")
    raw = np.array([max(float(shares[k]), 0.0) for k in keys])
    if raw.sum() <= 0:
        raw = np.ones(len(keys))
    pinned = np.zeros(len(keys), dtype=bool)
    while True:
        free = units_total - floor_units * int(pinned.sum())
        rest = raw[~pinned].sum()
        target = np.where(pinned, float(floor_units), raw / rest * free if rest > 0 else 0.0)
        low = ~pinned & (target < floor_units)
        if not low.any():
            break
        pinned |= low
    units = np.floor(target + 1e-9).astype(int)
    left = units_total - int(units.sum())
    order = sorted(range(len(keys)), key=lambda i: (units[i] - target[i], keys[i]))
    for i in order[:left]:
        units[i] += 1
    return {k: int(u) / unit for k, u in zip(keys, units, strict=True)}


@dataclass(frozen=True)
class Layout:
    """The factors in coefficient order, the family of each, and the families in seed order."""

    factors: list[str]
    family_of: dict[str, str]
    families: tuple[str, ...]


def factor_weights(
    coef: np.ndarray, layout: Layout, current: dict[str, float]
) -> tuple[dict[str, float], list[str]]:
    """Within-family factor weights from the global coefficients; a family whose factors all
    have 0 keeps its current weights. Each family sums to what it summed to before."""
    out: dict[str, float] = {}
    notes = []
    by_factor = dict(zip(layout.factors, coef, strict=True))
    for family in layout.families:
        names = [f for f in layout.factors if layout.family_of[f] == family]
        if not names:
            continue
        total = round(sum(current[f] for f in names), WEIGHT_DECIMALS)
        shares = {f: float(by_factor[f]) for f in names}
        if sum(shares.values()) <= 0:
            shares = {f: current[f] for f in names}
            notes.append(
                f"No {family} factor is related to lost renewals in training: its factor "
                "weights are kept."
            )
        out.update(round_shares(shares, total=total))
    return out, notes


def family_weights(coef: np.ndarray, layout: Layout, current: dict[str, float]) -> dict[str, float]:
    """A segment's family weights: its coefficients summed by family (current when all 0)."""
    sums = dict.fromkeys(layout.families, 0.0)
    for name, value in zip(layout.factors, coef, strict=True):
        sums[layout.family_of[name]] += float(value)
    if sum(sums.values()) <= 0:
        return dict(current)
    return round_shares(sums)
