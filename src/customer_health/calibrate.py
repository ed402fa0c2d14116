"""The calibration's public names, as report.py and the CLI use them; the code is in the
package :mod:`customer_health.calibration`."""

from customer_health import calibration as _calibration
from customer_health.calibration.evaluate import warnings as _warnings

AT_RISK_TIERS = _calibration.AT_RISK_TIERS
FAMILIES = _calibration.FAMILIES
CalibrationResult = _calibration.CalibrationResult
NotEnoughHistory = _calibration.NotEnoughHistory
print_summary = _calibration.print_summary
run_calibration = _calibration.run_calibration

__all__ = [
    "AT_RISK_TIERS",
    "FAMILIES",
    "CalibrationResult",
    "NotEnoughHistory",
    "_warnings",
    "print_summary",
    "run_calibration",
]
