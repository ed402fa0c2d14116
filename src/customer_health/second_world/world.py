"""Generating the second world: the stages in order, and :func:`generate`."""

from __future__ import annotations

from datetime import date

import pandas as pd

from customer_health import contract
from customer_health.second_world.accounts import accounts_frame, build_accounts
from customer_health.second_world.billing import build_billing
from customer_health.second_world.commercial import build_commercial, decide_renewals
from customer_health.second_world.common import World
from customer_health.second_world.hidden import Dynamics
from customer_health.second_world.oracle import oracle_frame
from customer_health.second_world.params import BOOK
from customer_health.second_world.product import build_events, features_frame
from customer_health.second_world.relationship import (
    build_activities,
    build_contacts,
    build_sentiment,
)
from customer_health.second_world.support import build_tickets

DEFAULT_END_DATE = date(2026, 6, 30)
TABLE_KEYS: tuple[str, ...] = tuple(f"{t.source}.{t.name}" for t in contract.TABLES)


def simulate(accounts: int, months: int, seed: int, end_date: date) -> World:
    """The accounts and their hidden history, before any table is made."""
    w = World(accounts, months, seed, end_date, BOOK["burn_in_days"])
    build_accounts(w)
    w.dynamics = Dynamics(w.segment, w.fit_mean, w.sponsor_mean)
    w.hidden = w.dynamics.simulate(w.days, w.rng("hidden"))
    return w


def generate(
    accounts: int = 600,
    months: int = 18,
    seed: int = 1,
    end_date: date = DEFAULT_END_DATE,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """A book of ``accounts`` over the ``months`` up to ``end_date``, and its oracle.

    Returns ``(frames, oracle)``: ``frames`` maps every ``"source.table"`` of the raw contract
    to a frame with exactly the contract's columns; ``oracle`` has one row per renewal decision
    inside the window (see :mod:`customer_health.second_world`). The same arguments give the
    same data.
    """
    w = simulate(accounts, months, seed, end_date)
    decisions = decide_renewals(w)
    frames = build_commercial(w, decisions)
    frames["crm.accounts"] = accounts_frame(w)
    frames["crm.contacts"] = build_contacts(w)
    frames["crm.activities"] = build_activities(w)
    frames["crm.sentiment"] = build_sentiment(w)
    frames["support.tickets"] = build_tickets(w)
    frames.update(build_billing(w))
    frames["product.features"] = features_frame(w)
    frames["product.events"] = build_events(w)
    oracle = oracle_frame(w, decisions)
    return {key: frames[key] for key in TABLE_KEYS}, oracle
