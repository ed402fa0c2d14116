"""One calibration run: read renewals, split, fit, judge, decide, write.

``run_calibration`` returns a :class:`CalibrationResult` whose ``status`` is

- ``proposed``: the proposal beats the current score out of time; its files were written;
- ``not_better``: it does not (the lower bound of the 95% interval of the AUC gain is <= 0);
  no weights proposal was written;
- ``refused``: too little renewal history to fit or to judge; ``message`` says what to do.

The churn probability of the current score is fitted in every case where the book has at
least :data:`~customer_health.calibration.probability.MIN_BOOK_LOST` lost renewals.

A warehouse of several organisations (tenants) is refused unless ``pool_orgs``: the weights and
the churn model are seeds shared by every tenant, so a fit on the pooled renewals lets one
tenant's renewals move every tenant's scores. A tenant is calibrated on its own renewals in a
warehouse of its own; pooling is an explicit choice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from customer_health.calibration import evaluate, fit, probability, proposal, scoring
from customer_health.calibration.console import progress_steps
from customer_health.calibration.data import (
    AT_RISK_TIERS,
    DEFAULT_HORIZON_DAYS,
    FAMILIES,
    NotEnoughHistory,
    RenewalBook,
    badness,
    feature_matrix,
    load_book,
    training_fill,
)
from customer_health.calibration.result import CalibrationResult
from customer_health.calibration.split import (
    Split,
    check_split,
    split_renewals,
    training_weights,
)
from customer_health.warehouse import Warehouse


@dataclass
class Outcome:
    """The result and the frames that go into files."""

    result: CalibrationResult
    segment_weights: dict[str, dict[str, float]] | None = None
    factor_weights: dict[str, float] | None = None
    probability_model: pd.DataFrame | None = None


def _tier_records(tiers: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "scale": str(r.scale),
            "label": str(r.label),
            "basis": str(r.basis),
            "min_score": int(r.min_score),
            "max_score": int(r.max_score),
            "sort_order": int(r.sort_order),
        }
        for r in tiers.itertuples(index=False)
    ]


def _segment_counts(renewals: pd.DataFrame, split: Split, segments: list[str]) -> dict:
    out = {}
    for name in segments:
        entry = {}
        for side, rows in (("training", split.train), ("validation", split.validation)):
            part = renewals.iloc[rows]
            part = part[part["segment"] == name]
            entry[f"{side}_renewals"] = len(part)
            entry[f"{side}_lost"] = int(part["lost"].sum())
        out[name] = entry
    return out


def _several_orgs(orgs: list[str]) -> str:
    return (
        f"The renewals belong to {len(orgs)} organisations ({', '.join(orgs)}): the weights and "
        "the churn model are seeds shared by every organisation, so fitting them on the pooled "
        "renewals would let one tenant's renewals move every tenant's scores. Calibrate each "
        "tenant in a warehouse of its own, or pass --pool-orgs to fit one set of weights on "
        "every organisation's renewals on purpose."
    )


def calibrate_book(
    book: RenewalBook,
    prior_strength: float = 30.0,
    step: Callable[[str], None] = lambda _: None,
    warehouse: str = "",
    pool_orgs: bool = False,
) -> Outcome:
    """Split, fit, judge and decide on a loaded book (no warehouse, no files). A book of
    several organisations is refused unless ``pool_orgs`` (see the module's docstring)."""
    renewals, segments = book.renewals, book.segments
    lost = renewals["lost"].to_numpy()
    result = CalibrationResult(
        status="refused",
        message="",
        warehouse=warehouse,
        generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        horizon_days=book.horizon_days,
        prior_strength=float(prior_strength),
        history_source=f"renewals scored at R-{book.horizon_days} ({book.source})",
        history_source_rows={
            "scored renewals": len(renewals),
            "lost": int(lost.sum()),
            "not scored": book.unscored_renewals,
        },
        thresholds={"current": _tier_records(book.tiers), "proposed": _tier_records(book.tiers)},
        lead_time=book.lead_time,
    )
    out = Outcome(result)
    orgs = book.orgs
    if len(orgs) > 1 and not pool_orgs:
        result.message = _several_orgs(orgs)
        result.decision = {"proposed": False, "reason": result.message, "orgs": orgs}
        result.probability = {"fitted": False, "reason": result.message}
        return out
    if len(orgs) > 1:
        result.notes.append(
            f"Pooled the renewals of {len(orgs)} organisations ({', '.join(orgs)}) on purpose "
            "(--pool-orgs): the weights and the churn model fit them all at once."
        )
    step("splitting out of time")
    split = split_renewals(renewals, book.horizon_days)
    result.split = split.to_dict(lost)
    result.segments = _segment_counts(renewals, split, segments)
    try:
        check_split(split, lost, len(renewals))
    except NotEnoughHistory as exc:
        result.message = str(exc)
        result.decision = {"proposed": False, "reason": str(exc)}
        if lost.sum() >= probability.MIN_BOOK_LOST:
            step("fitting the churn probability on every renewal")
            out.probability_model = probability.fit_probability_model(
                renewals, segments, prior_strength, book.weights_version, book.horizon_days
            )
            result.probability = _probability_summary(out.probability_model, None, None)
        else:
            result.probability = {
                "fitted": False,
                "reason": f"the book has {int(lost.sum())} lost renewals scored at "
                f"R-{book.horizon_days}, at least {probability.MIN_BOOK_LOST} are needed",
            }
        return out

    train = renewals.iloc[split.train].copy()
    validation = renewals.iloc[split.validation].copy()
    family_of = dict(zip(book.catalogue["factor_name"], book.catalogue["family"], strict=True))
    current_fw = dict(
        zip(book.catalogue["factor_name"], book.catalogue["factor_weight"], strict=True)
    )

    step("choosing the penalty and fitting the factors")
    bad = badness(book.sub_scores)
    fill = training_fill(bad.iloc[split.train])
    x_train = feature_matrix(bad.iloc[split.train], fill)
    w_train = training_weights(renewals, split)
    fitted = fit.fit_factors(
        x_train,
        train["lost"].to_numpy(dtype=float),
        train["segment"].to_numpy(),
        book.factors,
        segments,
        prior_strength,
        sample_weight=w_train,
    )
    layout = fit.Layout(book.factors, family_of, FAMILIES)
    proposed_fw, notes = fit.factor_weights(fitted.global_coef, layout, current_fw)
    proposed_sw = {
        s: fit.family_weights(
            fitted.segment_coef[s],
            layout,
            book.segment_weights.get(s, dict.fromkeys(FAMILIES, 0.25)),
        )
        for s in segments
    }
    for name, info in fitted.segments.items():
        result.segments[name].update(info)

    def score_with(weights: dict[str, dict[str, float]], fw: dict[str, float]) -> Callable:
        return lambda subs, seg: scoring.recompute_score(subs, seg, fw, family_of, weights)

    proposed_score = score_with(proposed_sw, proposed_fw)
    for frame, rows in ((train, split.train), (validation, split.validation)):
        frame["current_score"] = frame["health_score"]
        frame["proposed_score"] = proposed_score(
            book.sub_scores.iloc[rows], frame["segment"]
        ).round(6)

    step(f"paired bootstrap of the AUC gain ({evaluate.BOOTSTRAP_REPLICATES} resamples)")
    y_val = validation["lost"].to_numpy()
    boot = evaluate.paired_bootstrap(
        y_val,
        -validation["current_score"].to_numpy(dtype=float),
        -validation["proposed_score"].to_numpy(dtype=float),
    )
    better, reason = evaluate.decide(boot)
    result.status = "proposed" if better else "not_better"
    result.message = reason
    result.decision = {"proposed": better, "reason": reason, **boot}

    step(f"fitting the churn probability ({probability.BOOTSTRAP_REPLICATES} bootstraps)")
    model = probability.fit_probability_model(
        train, segments, prior_strength, book.weights_version, book.horizon_days, w_train
    )
    out.probability_model = model
    validation["current_prob"] = probability.predict(
        model, validation["current_score"], validation["segment"]
    )
    validation["proposed_prob"] = probability.platt_probabilities(
        train["proposed_score"], train["lost"], validation["proposed_score"], w_train
    )
    result.probability = _probability_summary(model, validation, y_val)

    step("measuring the validation renewals")
    result.metrics, curves = evaluate.evaluate(validation, segments)
    curves["reliability"] = {
        kind: _curve(probability.reliability(y_val, validation[f"{kind}_prob"].to_numpy()))
        for kind in ("current", "proposed")
    }
    result.curves = curves
    validation["current_tier"] = validation["health_tier"]  # as dbt assigned it
    validation["proposed_tier"] = scoring.assign_tier(
        validation["proposed_score"], book.tiers, validation["segment"]
    )
    if scoring.tier_basis(book.tiers) == "segment_percentile":
        result.notes.append(
            "The tiers are segment-relative: a proposed tier is the proposed score's percentile "
            "among the validation renewals of its segment (dbt ranks the accounts of the "
            "organisation on a date)."
        )
    result.churn_by_tier = evaluate.churn_by_tier(
        validation,
        {"current": "current_tier", "proposed": "proposed_tier"},
        scoring.tier_labels(book.tiers),
        segments,
    )
    result.penalty = {"value": fitted.penalty, **fitted.penalty_choice}
    result.weights = {
        "current": {s: book.segment_weights.get(s, {}) for s in segments},
        "proposed": proposed_sw,
    }
    result.factor_weights = {"current": current_fw, "proposed": proposed_fw}
    result.decision["coefficients"] = {
        "global": dict(zip(book.factors, fitted.global_coef.round(4).tolist(), strict=True)),
        **{
            s: dict(zip(book.factors, c.round(4).tolist(), strict=True))
            for s, c in fitted.segment_coef.items()
        },
    }

    step("previewing the impact on today's accounts")
    result.impact = scoring.impact_preview(
        book.today, book.today_sub_scores, proposed_score, book.tiers, AT_RISK_TIERS
    )
    result.impact["roc_auc_current"] = boot["auc_current"]
    result.impact["roc_auc_proposed"] = boot["auc_proposed"]
    result.notes = [*notes, *evaluate.warnings(result.metrics), *result.notes]
    if better:
        out.segment_weights, out.factor_weights = proposed_sw, proposed_fw
    return out


def _curve(deciles: list[dict[str, Any]]) -> dict[str, list[float]]:
    return {
        "predicted": [d["mean_predicted"] for d in deciles],
        "observed": [d["observed"] for d in deciles],
    }


def _probability_summary(
    model: pd.DataFrame, validation: pd.DataFrame | None, y: np.ndarray | None
) -> dict[str, Any]:
    fits = model[model["replicate"] == 0]
    summary: dict[str, Any] = {
        "fitted": True,
        "fitted_on": str(fits["fitted_on"].iloc[0]),
        "out_of_time": validation is not None,
        "replicates": int(model["replicate"].max()),
        "fits": fits[["segment", "intercept", "slope", "renewals", "lost"]].to_dict("records"),
    }
    if validation is None or y is None:
        summary["note"] = (
            "Fitted on every renewal: the split is too thin to check its reliability out of time."
        )
        return summary
    prob = validation["current_prob"].to_numpy()
    summary["brier"] = probability.brier(y, prob)
    summary["brier_base_rate"] = probability.brier(y, np.full(len(y), y.mean()))
    summary["reliability"] = probability.reliability(y, prob)
    return summary


def run_calibration(
    wh: Warehouse,
    prior_strength: float = 30.0,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    output_dir: Path | None = None,
    apply: bool = False,
    seeds_dir: Path | None = None,
    json_path: Path | None = None,
    progress: bool = False,
    pool_orgs: bool = False,
) -> CalibrationResult:
    """Calibrate on the warehouse's renewals; write files to ``output_dir`` (nothing when None),
    copy them over ``seeds_dir`` (default: the project's seeds/) with ``apply``, and write the
    result as JSON to ``json_path``. Never raises for thin history: status ``refused``; nor for
    several organisations without ``pool_orgs``: ``refused`` too."""
    from customer_health import dbt as dbt_runner

    if apply and output_dir is None:
        raise ValueError("apply needs an output_dir to write the proposal to first")
    seeds = seeds_dir or dbt_runner.project_dir() / "seeds"
    with progress_steps(8, progress) as step:
        step("reading the renewal backtest")
        try:
            book = load_book(wh, horizon_days)
        except NotEnoughHistory as exc:
            outcome = Outcome(
                CalibrationResult(
                    status="refused",
                    message=str(exc),
                    warehouse=wh.describe(),
                    generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    horizon_days=horizon_days,
                    prior_strength=float(prior_strength),
                    probability={"fitted": False, "reason": "no renewals at this horizon"},
                )
            )
        else:
            outcome = calibrate_book(book, prior_strength, step, wh.describe(), pool_orgs)
        step("writing files")
        result = outcome.result
        if output_dir is not None:
            write_outcome(outcome, output_dir, seeds, apply)
        if json_path is not None:
            result.files["json"] = str(json_path)
            result.write_json(json_path)
    return result


def write_outcome(outcome: Outcome, output_dir: Path, seeds: Path, apply: bool) -> None:
    """Write what the outcome allows (weights only when proposed), then apply it if asked."""
    result = outcome.result
    output_dir.mkdir(parents=True, exist_ok=True)
    proposal.clear(output_dir)
    written: list[str] = []
    if outcome.segment_weights is not None and outcome.factor_weights is not None:
        paths = proposal.write_weights(
            output_dir,
            outcome.segment_weights,
            outcome.factor_weights,
            seeds / "factor_catalogue.csv",
        )
        written.extend(paths)
        (output_dir / proposal.README).write_text(proposal.readme(result.to_dict()))
        written.append(proposal.README)
    if outcome.probability_model is not None:
        path = proposal.write_probability(output_dir, outcome.probability_model)
        result.probability["file"] = str(path)
        written.append(proposal.PROBABILITY_FILE)
    result.files["output_dir"] = str(output_dir)
    result.files["written"] = [str(output_dir / name) for name in written]
    if apply and written:
        copied = proposal.apply_proposal(output_dir, seeds, tuple(written))
        result.files["applied_to"] = [str(p) for p in copied]
