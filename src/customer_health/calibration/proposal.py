"""The files calibration writes, and ``--apply``, which copies them over ``seeds/``.

- ``segment_weights.csv`` and ``factor_catalogue.csv``: the weights proposal, in the shape of
  the seeds of the same name (the catalogue changes only in ``factor_weight``). Written only when
  the proposal is better out of time.
- ``churn_probability_model.csv``: the churn probability of the current score, written whenever
  the book has enough lost renewals to fit it.
- ``PROPOSAL.md``: what was decided and why.

Every run first removes these files from the output folder, so ``--apply`` can never copy a
stale proposal from an earlier run.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from customer_health.calibration.data import FAMILIES

WEIGHT_FILES = ("segment_weights.csv", "factor_catalogue.csv")
PROBABILITY_FILE = "churn_probability_model.csv"
README = "PROPOSAL.md"
ALL_FILES = (*WEIGHT_FILES, PROBABILITY_FILE, README)


class SeedMismatch(RuntimeError):
    """seeds/ and the warehouse disagree about the factors: the warehouse is out of date."""


def clear(output_dir: Path) -> None:
    for name in ALL_FILES:
        (output_dir / name).unlink(missing_ok=True)


def segment_weights_frame(weights: dict[str, dict[str, float]]) -> pd.DataFrame:
    rows = [
        {"segment": s, "family": f, "weight": f"{weights[s][f]:.2f}"}
        for s in weights
        for f in FAMILIES
    ]
    return pd.DataFrame(rows, columns=["segment", "family", "weight"])


def catalogue_text(template: Path, factor_weights: dict[str, float]) -> str:
    """seeds/factor_catalogue.csv with new factor_weight values, everything else as it was."""
    with template.open(newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    names = {row["factor_name"] for row in rows}
    if names != set(factor_weights):
        raise SeedMismatch(
            f"{template} lists the factors {sorted(names ^ set(factor_weights))} differently "
            "from the warehouse: run `customer-health build` so the warehouse scores with the "
            "seeds, then calibrate again."
        )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "factor_weight": f"{factor_weights[row['factor_name']]:.2f}"})
    return out.getvalue()


def write_weights(
    output_dir: Path,
    segment_weights: dict[str, dict[str, float]],
    factor_weights: dict[str, float],
    catalogue_template: Path,
) -> dict[str, Path]:
    output_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: output_dir / name for name in WEIGHT_FILES}
    segment_weights_frame(segment_weights).to_csv(paths["segment_weights.csv"], index=False)
    paths["factor_catalogue.csv"].write_text(catalogue_text(catalogue_template, factor_weights))
    return paths


def write_probability(output_dir: Path, model: pd.DataFrame) -> Path:
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / PROBABILITY_FILE
    model.to_csv(path, index=False, float_format="%.6f")
    return path


def apply_proposal(output_dir: Path, seeds_dir: Path, names: tuple[str, ...]) -> list[Path]:
    """Copy the named proposal files over the real seeds; `customer-health build` rescores."""
    copied = []
    for name in names:
        if name == README:
            continue
        target = seeds_dir / name
        shutil.copyfile(output_dir / name, target)
        copied.append(target)
    return copied


def readme(result: dict[str, Any]) -> str:
    """PROPOSAL.md: the decision, the split, the figures and how to apply."""
    split, decision = result["split"], result["decision"]
    lines = [
        "# Calibration proposal",
        "",
        f"Generated {result['generated_at']} from {result['warehouse']}.",
        "",
        f"- decision: **{result['status']}**: {decision['reason']}",
        f"- unit: renewals scored {split['horizon_days']} days before the renewal",
        f"- trained on renewals {split['train_start']} to {split['train_end']} "
        f"({split['train_renewals']} renewals, {split['train_lost']} lost), validated on "
        f"{split['validation_start']} to {split['validation_end']} "
        f"({split['validation_renewals']} renewals, {split['validation_lost']} lost), "
        f"{split['gap_days']}-day gap",
        "",
        "`segment_weights.csv` and `factor_catalogue.csv` have the shape of the seeds of the "
        "same name; `churn_probability_model.csv` is the churn probability of the current "
        "score. Apply with `customer-health calibrate --apply` (or copy them over `seeds/`), "
        "then `customer-health build` and `customer-health backtest`.",
        "",
    ]
    return "\n".join(lines)
