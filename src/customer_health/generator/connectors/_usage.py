"""What the usage-family landers (Pendo, Segment) share: the book's product events as a
connector holds them, which accounts link by a CRM id and which only by a domain, and
vectorised ids.

Connectors of the usage family have no soft delete for events (Pendo declares none, Segment is
append-only): an event whose latest contract version is deleted is simply not landed. Neither
carries licensed seats, so ``product.seats`` is emptied in the equivalent.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from customer_health.generator.connectors import LandingContext

_HEX = np.array(list("0123456789abcdef"))
# Accounts whose product record carries the CRM id (the rest link only through a domain).
EXPLICIT_SHARE = 0.6


def hash64(*columns: pd.Series | np.ndarray) -> np.ndarray:
    """A stable 64-bit hash per row of the given columns (vectorised)."""
    frame = pd.DataFrame({f"c{i}": pd.Series(np.asarray(c)) for i, c in enumerate(columns)})
    return pd.util.hash_pandas_object(frame, index=False).to_numpy(dtype=np.uint64)


def hex_ids(values: np.ndarray, width: int = 16) -> np.ndarray:
    """Lower-case hex strings of ``width`` digits from unsigned 64-bit values (vectorised)."""
    v = np.asarray(values, dtype=np.uint64)
    shifts = (np.arange(width - 1, -1, -1) % 16).astype(np.uint64) * np.uint64(4)
    nibbles = (v[:, None] >> shifts[None, :]) & np.uint64(15)
    chars = np.ascontiguousarray(_HEX[nibbles.astype(np.int64)])
    return chars.view(f"<U{width}").ravel().astype(object)


def short_hash(text: str, salt: str, length: int = 8) -> str:
    """A stable hex digest of one value (for the few ids of accounts and features)."""
    return hashlib.sha1(f"{salt}:{text}".encode()).hexdigest()[:length]


def naive_utc(series: pd.Series) -> pd.Series:
    """Timestamps as naive UTC, the way connectors land them."""
    s = pd.to_datetime(series, utc=True)
    return s.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]")


def deleted_crm_accounts(frames: dict[str, pd.DataFrame]) -> set[str]:
    """Contract accounts whose latest CRM version is deleted."""
    accounts = frames["crm.accounts"].sort_values("_loaded_at", kind="stable")
    latest = accounts.drop_duplicates("account_id", keep="last")
    return set(latest.loc[latest["_is_deleted"].fillna(False).astype(bool), "account_id"])


def live_event_rows(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every version of ``product.events`` except the keys whose latest version is deleted
    (a connector of the family has no delete flag: it never had, or stopped sending, them)."""
    events = frames["product.events"]
    latest = events.sort_values("_loaded_at", kind="stable").drop_duplicates(
        "event_id", keep="last"
    )
    deleted = latest.loc[latest["_is_deleted"].fillna(False).astype(bool), "event_id"]
    return events.loc[~events["event_id"].isin(deleted)].copy()


def current_events(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The latest version of each live event (the connector keeps one row per event)."""
    rows = live_event_rows(frames)
    return (
        rows.sort_values("_loaded_at", kind="stable")
        .drop_duplicates("event_id", keep="last")
        .sort_values("event_id", kind="stable")
        .reset_index(drop=True)
    )


def crm_accounts(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The latest version of each CRM account, indexed by account id, with its domain."""
    accounts = (
        frames["crm.accounts"]
        .sort_values("_loaded_at", kind="stable")
        .drop_duplicates("account_id", keep="last")
        .set_index("account_id")
    )
    website = accounts["website"].astype(object)
    host = (
        website.str.lower()
        .str.strip()
        .str.replace(r"^[a-z]+://", "", regex=True)
        .str.split("/")
        .str[0]
        .str.replace(r"^www\.", "", regex=True)
    )
    accounts = accounts.assign(domain=host.where(host.notna() & (host != ""), None))
    return accounts


def explicit_accounts(
    account_ids: list[str], accounts: pd.DataFrame, ctx: LandingContext, deleted: set[str]
) -> set[str]:
    """The accounts whose connector record carries the CRM id; the others link only by domain.
    An account without a website, or deleted in the CRM (the identity map matches domains to
    live CRM accounts only, an explicit id to any), always carries the id, or nothing would
    link it. At least one of each kind when there are two accounts or more."""
    ids = sorted(account_ids)
    draw = ctx.rng.random(len(ids)) < EXPLICIT_SHARE
    if len(ids) >= 2:
        draw[0], draw[1] = True, False
    domains = accounts["domain"].reindex(ids)
    return {
        a
        for a, d, e in zip(ids, domains, draw, strict=True)
        if e or not isinstance(d, str) or a in deleted
    }


def empty_seats(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``product.seats`` with its columns and no rows: the connector carries no licensed seats."""
    return frames["product.seats"].iloc[0:0].copy()
