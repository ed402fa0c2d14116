"""Calibration of the health score against lost renewals, which refuses to harm.

- :mod:`.data`: renewals at the calibration horizon and their factor sub-scores;
- :mod:`.split`: the out-of-time split and the refusal when it is too thin;
- :mod:`.fit`: the penalised non-negative logistic fit and its translation into seeds;
- :mod:`.scoring`: the score recomputed from sub-scores with any weights, tiers, impact;
- :mod:`.evaluate`: validation metrics, the paired bootstrap and the decision;
- :mod:`.probability`: the churn probability of the current score (Platt, bootstrapped);
- :mod:`.proposal`: the files and ``--apply``;
- :mod:`.run`: one run end to end; :mod:`.result`: what it found;
  :mod:`.console`: the terminal summary and progress.
"""

from customer_health.calibration.console import print_summary
from customer_health.calibration.data import (
    AT_RISK_TIERS,
    DEFAULT_HORIZON_DAYS,
    FAMILIES,
    NotEnoughHistory,
    RenewalBook,
    load_book,
)
from customer_health.calibration.result import STATUS_EXIT_CODES, CalibrationResult
from customer_health.calibration.run import calibrate_book, run_calibration

__all__ = [
    "AT_RISK_TIERS",
    "DEFAULT_HORIZON_DAYS",
    "FAMILIES",
    "STATUS_EXIT_CODES",
    "CalibrationResult",
    "NotEnoughHistory",
    "RenewalBook",
    "calibrate_book",
    "load_book",
    "print_summary",
    "run_calibration",
]
