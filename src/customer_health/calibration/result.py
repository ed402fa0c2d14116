"""What a calibration run found and decided: the result saved to reports/calibration.json."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from customer_health.calibration.data import jsonable

STATUS_EXIT_CODES = {"proposed": 0, "refused": 3, "not_better": 4}


@dataclass
class CalibrationResult:
    """Everything a calibration run found and decided, and where its files went."""

    status: str
    message: str
    warehouse: str
    generated_at: str
    horizon_days: int
    prior_strength: float
    history_source: str = "renewals"
    history_source_rows: dict[str, int] = field(default_factory=dict)
    split: dict[str, Any] = field(default_factory=dict)
    segments: dict[str, dict[str, Any]] = field(default_factory=dict)
    penalty: dict[str, Any] = field(default_factory=dict)
    decision: dict[str, Any] = field(default_factory=dict)
    weights: dict[str, Any] = field(default_factory=dict)
    factor_weights: dict[str, Any] = field(default_factory=dict)
    thresholds: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    churn_by_tier: list[dict[str, Any]] = field(default_factory=list)
    curves: dict[str, Any] = field(default_factory=dict)
    probability: dict[str, Any] = field(default_factory=dict)
    lead_time: list[dict[str, Any]] = field(default_factory=list)
    impact: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    files: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return STATUS_EXIT_CODES[self.status]

    def to_dict(self) -> dict[str, Any]:
        return jsonable(asdict(self))

    def write_json(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n")
        return path
