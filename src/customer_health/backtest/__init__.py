"""The renewal backtest: how well the score, read 90/60/30/7 days ahead, ranked the renewals
that were later lost, what its tiers meant, whether a plain model does better, and what the
alert rules caught (`customer-health backtest`)."""

from customer_health.backtest.load import BacktestData, OracleFileError, load_backtest
from customer_health.backtest.run import (
    DEFAULT_HORIZON,
    BacktestResult,
    OneClassOutcomes,
    run_backtest,
    write_refusal,
)

__all__ = [
    "DEFAULT_HORIZON",
    "BacktestData",
    "BacktestResult",
    "OneClassOutcomes",
    "OracleFileError",
    "load_backtest",
    "run_backtest",
    "write_refusal",
]
