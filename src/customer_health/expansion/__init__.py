"""Expansion readiness in the CLI and the report: the ranked list of accounts ready to buy more
(``customer-health expansion``) and the expansion backtest (``customer-health
expansion-backtest``): how well the expansion score, read N days before, ranked the expansions
that happened against the accounts that did not expand. The score itself is computed in dbt
(models/intermediate/expansion/, marts.mart_account_expansion)."""

from customer_health.expansion.backtest import (
    ExpansionBacktest,
    NothingToRank,
    load_rows,
    run_expansion_backtest,
)

__all__ = ["ExpansionBacktest", "NothingToRank", "load_rows", "run_expansion_backtest"]
