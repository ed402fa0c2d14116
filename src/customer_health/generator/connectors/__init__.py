"""Land the demo book the way managed connectors land it (docs/connectors.md).

The generator writes the book in the raw contract (:mod:`customer_health.contract`). This
package re-lands the same book in a connector's shape (Salesforce or HubSpot for the CRM,
Zendesk or HubSpot for support, Stripe for billing, Pendo or Segment for usage) with the
connector's own conventions and quirks, so that each adapter in ``models/staging/<connector>/``
can be proven: the same seed landed as the contract and as connectors must give the same
``mart_account_health``, except for what the adapter documents it cannot carry.

:func:`land` returns a :class:`Landing` with three sets of frames:

- ``connector``: the connector tables, keyed ``"<schema>.<table>"`` (schema = connector name);
- ``contract``: the contract frames of the families left in the contract shape;
- ``equivalent``: the whole book in the contract, as the connector path should reproduce it
  (what a connector cannot carry removed, ids renamed to the CRM's), for the parity tests.

One module per connector; each exposes ``NAME``, ``FAMILY`` and two functions:

- ``land(frames, ctx) -> dict[table, DataFrame]``: the connector's tables from the contract
  frames of its family (``frames`` holds every contract table, keyed ``"source.table"``);
- ``equivalent(frames, ctx) -> dict["source.table", DataFrame]``: the contract frames of its
  family as the adapter should reproduce them (in the contract's own ids; :func:`land` renames
  account ids to the CRM's afterwards, through ``ctx.crm_ids``).

A CRM connector fills ``ctx.crm_ids`` (contract account id -> its CRM id) in ``land``; the
others read it to write the CRM id where their connector carries one (Stripe metadata, a Zendesk
``external_id``, ...). Landers run CRM first.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType

import numpy as np
import pandas as pd

# The shapes each family can be landed in; the first is the default. The family names are the
# dbt vars' (<family>_shape); `usage` is the contract's `product` source.
SHAPES: dict[str, tuple[str, ...]] = {
    "crm": ("contract", "salesforce", "hubspot"),
    "support": ("contract", "zendesk", "hubspot"),
    "billing": ("contract", "stripe"),
    "usage": ("contract", "pendo", "segment"),
}
SOURCE_OF_FAMILY = {"crm": "crm", "support": "support", "billing": "billing", "usage": "product"}
# Columns that hold a CRM account id, per contract table (renamed when the CRM has its own ids).
ACCOUNT_ID_COLUMNS = ("account_id", "parent_account_id")


@dataclass(frozen=True)
class Shapes:
    """Which shape each family is landed in."""

    crm: str = "contract"
    support: str = "contract"
    billing: str = "contract"
    usage: str = "contract"

    def __post_init__(self) -> None:
        for family, allowed in SHAPES.items():
            value = getattr(self, family)
            if value not in allowed:
                raise ValueError(
                    f"{family} cannot be landed as {value!r}: use one of {', '.join(allowed)}"
                )

    def dbt_vars(self) -> dict[str, str]:
        """The dbt vars that read this landing (crm_shape, support_shape, ...)."""
        return {f"{family}_shape": getattr(self, family) for family in SHAPES}

    def connectors(self) -> list[tuple[str, str]]:
        """(family, connector) pairs of the families not in the contract, CRM first."""
        return [(f, getattr(self, f)) for f in SHAPES if getattr(self, f) != "contract"]

    def describe(self) -> str:
        return ", ".join(f"{family}={getattr(self, family)}" for family in SHAPES)


@dataclass
class LandingContext:
    """What landers share: a random stream, the shapes, and the ids other systems copy."""

    rng: np.random.Generator
    shapes: Shapes
    # contract account id -> the CRM's id for it (identity while the CRM is the contract)
    crm_ids: dict[str, str] = field(default_factory=dict)
    # other id renames a lander makes that later landers or the equivalent need, by kind
    # (e.g. "contact": contract contact_id -> CRM contact id)
    id_maps: dict[str, dict[str, str]] = field(default_factory=dict)

    def crm_id(self, account_id: object) -> object:
        """The CRM's id for a contract account id (the id itself when not renamed)."""
        if account_id is None or (isinstance(account_id, float) and np.isnan(account_id)):
            return account_id
        return self.crm_ids.get(str(account_id), account_id)


@dataclass
class Landing:
    shapes: Shapes
    connector: dict[str, pd.DataFrame]
    contract: dict[str, pd.DataFrame]
    equivalent: dict[str, pd.DataFrame]
    crm_ids: dict[str, str]

    def counts(self) -> dict[str, int]:
        return {k: len(v) for k, v in {**self.contract, **self.connector}.items()}


def connector_module(name: str) -> ModuleType:
    """The lander module of a connector (``salesforce``, ``zendesk``, ...)."""
    return importlib.import_module(f"{__name__}.{name}")


def combine(chunks: Iterable[Mapping[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """The generator's chunks as one frame per contract table (truth frames left out)."""
    parts: dict[str, list[pd.DataFrame]] = {}
    for chunk in chunks:
        for key, frame in chunk.items():
            if not key.startswith("truth."):
                parts.setdefault(key, []).append(frame)
    return {k: pd.concat(v, ignore_index=True) for k, v in parts.items()}


def rename_account_ids(
    frames: Mapping[str, pd.DataFrame], crm_ids: Mapping[str, str]
) -> dict[str, pd.DataFrame]:
    """Frames with every account id column renamed through ``crm_ids``."""
    if not crm_ids:
        return dict(frames)
    out: dict[str, pd.DataFrame] = {}
    for key, frame in frames.items():
        frame = frame.copy()
        for col in ACCOUNT_ID_COLUMNS:
            if col in frame.columns:
                frame[col] = frame[col].map(
                    lambda v: crm_ids.get(v, v) if isinstance(v, str) else v
                )
        out[key] = frame
    return out


def land(frames: Mapping[str, pd.DataFrame], shapes: Shapes, seed: int = 0) -> Landing:
    """Land the contract ``frames`` (one per ``"source.table"``, see :func:`combine`) in
    ``shapes``."""
    ctx = LandingContext(rng=np.random.default_rng(seed), shapes=shapes)
    connector: dict[str, pd.DataFrame] = {}
    equivalent: dict[str, pd.DataFrame] = {k: v.copy() for k, v in frames.items()}
    landed_sources: set[str] = set()
    for family, name in shapes.connectors():
        module = connector_module(name)
        for table, frame in module.land(frames, ctx).items():
            key = f"{name}.{table}"
            if key in connector:  # HubSpot lands companies for both CRM and support
                continue
            connector[key] = frame
        equivalent.update(module.equivalent(frames, ctx))
        landed_sources.add(SOURCE_OF_FAMILY[family])
    contract_frames = {k: v for k, v in frames.items() if k.partition(".")[0] not in landed_sources}
    return Landing(
        shapes=shapes,
        connector=connector,
        contract=rename_account_ids(contract_frames, ctx.crm_ids),
        equivalent=rename_account_ids(equivalent, ctx.crm_ids),
        crm_ids=dict(ctx.crm_ids),
    )
