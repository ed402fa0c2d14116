"""A second, independent simulated world: a book of B2B SaaS accounts whose causal model was
not written to fit the health score, with an oracle churn probability per renewal.

``frames, oracle = generate(accounts=600, months=18, seed=1, end_date=date(2026, 6, 30))``

- ``frames``: ``{"source.table": DataFrame}`` for every raw table of the source contract
  (:mod:`customer_health.contract`), exactly its columns, ready for
  :func:`customer_health.loader.load_frames`.
- ``oracle``: one row per renewal decision inside the window: ``account_id``, ``segment``
  (canonical: enterprise, mid_market, smb), ``renewal_date``, ``is_lost``,
  ``oracle_prob_r90``, ``oracle_prob_r60``, ``oracle_prob_r30``, ``oracle_prob_r7`` (P(lost)
  given the hidden state 90/60/30/7 days before the renewal, by Monte Carlo over the hidden
  dynamics) and ``prob_at_renewal`` (the probability the decision was drawn with).

Each account carries seven hidden variables, each its own process (:mod:`.hidden`): product fit,
sponsor strength and a champion who comes and goes, a budget regime, support pain, and usage
momentum with slumps. Each segment churns for its own reasons (:data:`.params.CHURN`). Nothing
here imports the demo generator (:mod:`customer_health.generator`). ``docs/second_world.md``
describes the model, the signals and their scales.

Modules: :mod:`.params` (the knobs), :mod:`.common` (calendar, streams, frames),
:mod:`.accounts`, :mod:`.hidden`, :mod:`.commercial` (renewals, seats, contracts),
:mod:`.relationship`, :mod:`.support`, :mod:`.billing`, :mod:`.product`, :mod:`.oracle`, and
:mod:`.world` (:func:`generate`).
"""

from __future__ import annotations

from customer_health.second_world.params import CHURN, DRIVERS, HORIZONS, SEGMENTS
from customer_health.second_world.world import DEFAULT_END_DATE, generate

ORACLE_COLUMNS: tuple[str, ...] = (
    "account_id",
    "segment",
    "renewal_date",
    "is_lost",
    *(f"oracle_prob_r{h}" for h in HORIZONS),
)

__all__ = [
    "CHURN",
    "DEFAULT_END_DATE",
    "DRIVERS",
    "HORIZONS",
    "ORACLE_COLUMNS",
    "SEGMENTS",
    "generate",
]
