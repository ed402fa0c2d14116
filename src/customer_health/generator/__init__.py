"""Demo data: a vectorised generator of a realistic B2B SaaS book of accounts.

Every account carries a hidden health trajectory: a weekly random walk with mean reversion and
shocks (champion leaves, product incident, budget cut, successful rollout) on a logit scale.
Four family latents (usage, support, relationship, finance) follow that overall health plus
their own persistent deviations. Each family latent drives its own observable signals: product
events, support tickets, CRM activities and sentiment, invoices and payments. At every renewal
the churn probability is a logistic function of a segment-weighted mix of the family latents
over the 60-120 days before the renewal (see :data:`PLANTED_DRIVERS`), so a calibration that
works should rediscover those weights.

The output is a stream of chunks, each a dict keyed by ``"source.table"`` with exactly the
columns of the raw source contract (:mod:`customer_health.contract`), plus the messiness of real
connector data (late rows, re-synced duplicates, soft deletes, three currencies, spelling
variants): see :data:`MESS` and ``docs/demo_data.md``.

Accounts are generated in fixed blocks of :data:`BLOCK_SIZE`, each with its own random stream
(``SeedSequence(seed, spawn_key=(block,))``) and ids numbered in block order, so the data depends
only on ``(accounts, days, seed, end_date, orgs)``: not on ``chunk_size``.

The modules follow the simulation:

- :mod:`.params`: the documented knobs (``MESS``, ``CHURN_MODEL``, ``LATENT``, ...);
- :mod:`.block`: one block's random stream, shared helpers and the messy loading of a table;
- :mod:`.accounts`: accounts, hidden trajectories, ``crm.accounts`` and the account truth;
- :mod:`.commercial`: contracts, renewals and churn, subscriptions (several per account for
  some), contractions, reactivations, plan changes, opportunities;
- :mod:`.lifecycle`: paying episodes, the CRM's churn flag (account row versions) and the
  lifecycle truth;
- :mod:`.relationship`, :mod:`.support`, :mod:`.billing`, :mod:`.product`: one per signal
  family and its source tables;
- :mod:`.vocab`: word lists; :mod:`.assembly`: contract frames and :func:`generate`.
"""

from __future__ import annotations

from customer_health.generator.assembly import format_ids, generate
from customer_health.generator.block import NULL
from customer_health.generator.params import (
    BLOCK_SIZE,
    CHAMPIONS,
    CHURN_MODEL,
    CURRENCIES,
    DEFAULT_END_DATE,
    DOWNGRADES,
    FAMILIES,
    FAMILY_PERSISTENCE,
    FEATURES,
    FX,
    KEY_FEATURE_ADOPTION,
    LATENT,
    LIFECYCLE,
    MESS,
    PLAN_PRICE_USD,
    PLANS,
    PLANTED_DRIVERS,
    REGIONS,
    SEATS_RANGE,
    SEGMENT_SHARES,
    SEGMENT_SPELLINGS,
    SEGMENTS,
    SENTIMENT,
    SHOCKS,
)

__all__ = [
    "BLOCK_SIZE",
    "CHAMPIONS",
    "CHURN_MODEL",
    "CURRENCIES",
    "DEFAULT_END_DATE",
    "DOWNGRADES",
    "FAMILIES",
    "FAMILY_PERSISTENCE",
    "FEATURES",
    "FX",
    "KEY_FEATURE_ADOPTION",
    "LATENT",
    "LIFECYCLE",
    "MESS",
    "NULL",
    "PLAN_PRICE_USD",
    "PLANS",
    "PLANTED_DRIVERS",
    "REGIONS",
    "SEATS_RANGE",
    "SEGMENT_SHARES",
    "SEGMENT_SPELLINGS",
    "SEGMENTS",
    "SENTIMENT",
    "SHOCKS",
    "format_ids",
    "generate",
]
