"""Pendo, as Fivetran lands it (docs/connectors/pendo.md).

- Entity tables are Pendo's own history: ``account_history``, ``visitor_history``,
  ``visitor_account_history``, ``feature_history``, ``page_history``, one row per
  (``id``, ``last_updated_at``); the current state is the latest ``last_updated_at``, which is
  not always the latest ``_fivetran_synced`` (an old version re-synced later).
- Event tables are pre-aggregated: one row per hour bucket x visitor x account x server x IP x
  feature (``feature_event``) or page (``page_event``), with ``num_events`` and
  ``num_minutes``, keyed by a synthetic ``_fivetran_id``. ``event`` rolls up all activity per
  visitor, account, hour and page. Most demo features are tagged features; the features of
  :data:`PAGE_FEATURES` are tagged pages.
- Ids: the visitor id is the product's user id; feature and page ids are Pendo hashes. An
  account's id is the CRM id for about 60 % of the accounts and the product's own tenant id for
  the others, which link to the CRM only through their visitors' email domains
  (``agent_email``; a few visitors use a personal address). ``agent_crm_account_id`` carries
  the CRM id of the first kind too (metadata a product may send; not read by default).
- A few buckets carry an empty ``account_id`` (their visitor's account is in
  ``visitor_history``); a few anonymous visitors' buckets (``_PENDO_T_...``) have none at all.
- No delete flag, no licensed seats.

The adapter expands each bucket into ``num_events`` contract events dated at the bucket's hour,
so the equivalent keeps every event, floored to its hour and loaded when its bucket was.
"""

from __future__ import annotations

import base64
import hashlib

import numpy as np
import pandas as pd

from customer_health.generator.connectors import LandingContext
from customer_health.generator.connectors._usage import (
    crm_accounts,
    current_events,
    deleted_crm_accounts,
    empty_seats,
    explicit_accounts,
    hash64,
    hex_ids,
    naive_utc,
    short_hash,
)

NAME = "pendo"
FAMILY = "usage"
# Features of the demo product that the Pendo subscription tags as pages, not features.
PAGE_FEATURES = ("search", "admin_settings")
APP_ID = "-323232"  # Pendo's id of a subscription's default application
SERVER = "app.product.example"
# Shares of the landing's quirks.
EMPTY_ACCOUNT_SHARE = 0.02  # buckets whose account_id is empty
PERSONAL_EMAIL_SHARE = 0.12  # visitors whose agent_email is a personal address
SECOND_VERSION_SHARE = 0.3  # visitors with an older version in visitor_history
ANONYMOUS_BUCKETS = 6  # page_event rows of anonymous visitors (no account: quarantined)


def pendo_id(key: str, kind: str) -> str:
    """A Pendo-style id (27 url-safe base64 characters) for a feature or a page."""
    digest = hashlib.sha1(f"pendo-{kind}:{key}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:27]


def feature_ids(frames: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Contract feature key -> the Pendo id of its feature (or page)."""
    keys = frames["product.features"]["feature_key"].dropna().unique()
    return {k: pendo_id(k, "page" if k in PAGE_FEATURES else "feature") for k in keys}


def account_ids(frames: dict[str, pd.DataFrame], ctx: LandingContext) -> dict[str, str]:
    """Contract account id -> its Pendo account id (the CRM id, or the product's tenant id)."""
    accounts = crm_accounts(frames)
    used = sorted(current_events(frames)["account_id"].dropna().unique())
    key = "pendo_account_ids"
    if key not in ctx.id_maps:
        explicit = explicit_accounts(used, accounts, ctx, deleted_crm_accounts(frames))
        ctx.id_maps[key] = {
            a: (str(ctx.crm_id(a)) if a in explicit else f"tnt-{short_hash(a, 'pendo', 10)}")
            for a in used
        }
    return ctx.id_maps[key]


def _buckets(events: pd.DataFrame, object_column: str) -> pd.DataFrame:
    """Events aggregated the Pendo way: one row per hour x visitor x account x object."""
    keys = ["pendo_account_id", "user_id", object_column, "hour"]
    minute = events["occurred_at"].dt.floor("min")
    grouped = events.assign(minute=minute).groupby(keys, sort=True, dropna=False)
    out = grouped.agg(
        num_events=("event_id", "size"),
        num_minutes=("minute", "nunique"),
        loaded=("_loaded_at", "max"),
    ).reset_index()
    return out


def _event_frame(buckets: pd.DataFrame, object_column: str | None) -> pd.DataFrame:
    """Pendo event rows from buckets: the bookkeeping and request columns, the synthetic key."""
    visitor = buckets["user_id"].to_numpy(dtype=object)
    account = buckets["pendo_account_id"].to_numpy(dtype=object).copy()
    ip_hash = hash64(visitor)
    remote_ip = (
        "10."
        + pd.Series((ip_hash >> np.uint64(8)) % np.uint64(256)).astype(str)
        + "."
        + pd.Series((ip_hash >> np.uint64(16)) % np.uint64(256)).astype(str)
        + "."
        + pd.Series((ip_hash >> np.uint64(24)) % np.uint64(254) + np.uint64(1)).astype(str)
    ).to_numpy(dtype=object)
    timestamp = naive_utc(buckets["hour"]).reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "_fivetran_synced": naive_utc(buckets["loaded"]).reset_index(drop=True),
            "account_id": account,
            "app_id": APP_ID,
            "num_events": buckets["num_events"].astype("Int64").to_numpy(),
            "num_minutes": buckets["num_minutes"].astype("Int64").to_numpy(),
            "remote_ip": remote_ip,
            "server_name": SERVER,
            "timestamp": timestamp,
            "user_agent": np.where(
                ip_hash % np.uint64(3) == 0,
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537.36",
            ),
            "visitor_id": visitor,
        }
    )
    if object_column is not None:
        frame.insert(5, object_column, buckets[object_column].to_numpy(dtype=object))
    # the synthetic key Fivetran derives from the row's properties
    parts = [timestamp.astype("int64").to_numpy(), visitor, account]
    if object_column is not None:
        parts.append(frame[object_column].to_numpy(dtype=object))
    frame["_fivetran_id"] = hex_ids(hash64(*parts), 16)
    return frame


def _history_times(
    first: pd.Series, rng: np.random.Generator, n: int
) -> tuple[pd.Series, pd.Series]:
    """(last_updated_at, _fivetran_synced) of a current version: updated a little after its
    first activity, synced minutes to hours later."""
    updated = first + pd.to_timedelta(rng.integers(60, 86_400, n), unit="s")
    synced = updated + pd.to_timedelta(rng.integers(120, 30_000, n), unit="s")
    return updated.astype("datetime64[us]"), synced.astype("datetime64[us]")


def land(frames: dict[str, pd.DataFrame], ctx: LandingContext) -> dict[str, pd.DataFrame]:
    rng = ctx.rng
    accounts = crm_accounts(frames)
    ids = account_ids(frames, ctx)
    fids = feature_ids(frames)
    events = current_events(frames)
    events = events.assign(
        pendo_account_id=events["account_id"].map(ids),
        object_id=events["feature_key"].map(fids),
        occurred_at=pd.to_datetime(events["occurred_at"], utc=True),
    )
    events["hour"] = events["occurred_at"].dt.floor("h")
    is_page = events["feature_key"].isin(PAGE_FEATURES).to_numpy()

    # -- feature_event and page_event: the buckets of tagged features and pages
    feature_buckets = _buckets(
        events.loc[~is_page].rename(columns={"object_id": "feature_id"}), "feature_id"
    )
    page_buckets = _buckets(events.loc[is_page].rename(columns={"object_id": "page_id"}), "page_id")
    feature_event = _event_frame(feature_buckets, "feature_id")
    page_event = _event_frame(page_buckets, "page_id")
    for frame in (feature_event, page_event):
        # the snippet sent no account with a few buckets: the visitor's account says it
        empty = rng.random(len(frame)) < EMPTY_ACCOUNT_SHARE
        frame.loc[empty, "account_id"] = ""
    # anonymous visitors on tagged pages: no account anywhere (quarantined by the adapter)
    if len(page_event) and ANONYMOUS_BUCKETS:
        anonymous = page_event.sample(
            n=min(ANONYMOUS_BUCKETS, len(page_event)), random_state=1
        ).copy()
        anonymous["visitor_id"] = (
            "_PENDO_T_"
            + pd.Series(hex_ids(hash64(anonymous["_fivetran_id"].to_numpy(dtype=object)), 12))
            .str.upper()
            .to_numpy()
        )
        anonymous["account_id"] = None
        anonymous["_fivetran_id"] = hex_ids(
            hash64(
                anonymous["_fivetran_id"].to_numpy(dtype=object), anonymous["visitor_id"].to_numpy()
            ),
            16,
        )
        page_event = pd.concat([page_event, anonymous], ignore_index=True)

    # -- event: all activity per visitor, account, hour and page
    all_buckets = _buckets(
        events.assign(page_id=np.where(is_page, events["object_id"], None)), "page_id"
    )
    event = _event_frame(all_buckets, "page_id")

    # -- visitors: one per product user; a third with an older version
    visitors = (
        events.groupby("user_id", sort=True)
        .agg(
            account_id=("account_id", "first"),
            first_visit=("occurred_at", "min"),
            last_visit=("occurred_at", "max"),
        )
        .reset_index()
    )
    nv = len(visitors)
    domain = accounts["domain"].reindex(visitors["account_id"]).to_numpy(dtype=object)
    personal = rng.random(nv) < PERSONAL_EMAIL_SHARE
    # the first visitor of each account always has a work address (domain-only accounts link
    # through it)
    first_of_account = ~visitors["account_id"].duplicated().to_numpy()
    personal &= ~first_of_account
    local = visitors["user_id"].str.lower().to_numpy(dtype=object)
    email = np.where(
        personal | pd.isna(domain),
        local + "@" + np.where(rng.random(nv) < 0.5, "gmail.com", "outlook.com"),
        local + "@" + np.where(pd.isna(domain), "", domain).astype(object),
    )
    first_visit = naive_utc(visitors["first_visit"])
    updated, synced = _history_times(first_visit, rng, nv)
    visitor_history = pd.DataFrame(
        {
            "_fivetran_synced": synced,
            "account_id": visitors["account_id"].map(ids).to_numpy(dtype=object),
            "first_visit": first_visit,
            "id": visitors["user_id"].to_numpy(dtype=object),
            "id_hash": (hash64(visitors["user_id"].to_numpy()) % np.uint64(2**31)).astype(np.int64),
            "last_browser_name": np.where(rng.random(nv) < 0.7, "Chrome", "Safari"),
            "last_browser_version": "126.0",
            "last_operating_system": np.where(rng.random(nv) < 0.6, "Mac OS X", "Windows"),
            "last_server_name": SERVER,
            "last_updated_at": updated,
            "last_user_agent": "Mozilla/5.0",
            "last_visit": naive_utc(visitors["last_visit"]),
            "n_id": visitors["user_id"].to_numpy(dtype=object),
            "agent_email": email,
            "agent_role": np.where(rng.random(nv) < 0.15, "admin", "user"),
        }
    )
    older = visitor_history.loc[rng.random(nv) < SECOND_VERSION_SHARE].copy()
    # an older version: before the work address was known, re-synced later than the current one
    older["last_updated_at"] = older["last_updated_at"] - pd.Timedelta(days=3)
    older["_fivetran_synced"] = older["_fivetran_synced"] + pd.Timedelta(days=2)
    older["agent_email"] = None
    visitor_history = pd.concat([visitor_history, older], ignore_index=True)
    visitor_account_history = pd.DataFrame(
        {
            "_fivetran_synced": visitor_history["_fivetran_synced"],
            "account_id": visitor_history["account_id"],
            "visitor_id": visitor_history["id"],
            "visitor_last_updated_at": visitor_history["last_updated_at"],
        }
    )

    # -- accounts: the product's record of each account, with its history
    acc = (
        events.groupby("account_id", sort=True)
        .agg(first_visit=("occurred_at", "min"), last_visit=("occurred_at", "max"))
        .reset_index()
    )
    na = len(acc)
    acc_first = naive_utc(acc["first_visit"])
    acc_updated, acc_synced = _history_times(acc_first, rng, na)
    names = accounts["account_name"].reindex(acc["account_id"]).to_numpy(dtype=object)
    account_history = pd.DataFrame(
        {
            "_fivetran_synced": acc_synced,
            "first_visit": acc_first,
            "id": acc["account_id"].map(ids).to_numpy(dtype=object),
            "id_hash": (hash64(acc["account_id"].map(ids).to_numpy()) % np.uint64(2**31)).astype(
                np.int64
            ),
            "last_updated_at": acc_updated,
            "last_visit": naive_utc(acc["last_visit"]),
            "agent_name": names,
            "agent_plan": np.where(rng.random(na) < 0.5, "business", "enterprise"),
            # the CRM id as metadata too, where the product knows it (var pendo_crm_id_column
            # reads it instead of the id when a product sends its own tenant id as the id)
            "agent_crm_account_id": np.where(
                acc["account_id"].map(ids).to_numpy(dtype=object)
                == np.array([str(ctx.crm_id(a)) for a in acc["account_id"]], dtype=object),
                np.array([str(ctx.crm_id(a)) for a in acc["account_id"]], dtype=object),
                None,
            ),
        }
    )
    older = account_history.loc[rng.random(na) < 0.4].copy()
    older["last_updated_at"] = older["last_updated_at"] - pd.Timedelta(days=30)
    older["_fivetran_synced"] = older["_fivetran_synced"] + pd.Timedelta(days=1)
    older["agent_name"] = older["agent_name"].str.upper()
    older["agent_plan"] = "trial"
    account_history = pd.concat([account_history, older], ignore_index=True)

    # -- features and pages, each with an older version (not yet a core event, renamed since)
    features = frames["product.features"].sort_values("_loaded_at", kind="stable")
    features = features.drop_duplicates("feature_key", keep="last").reset_index(drop=True)
    loaded = naive_utc(features["_loaded_at"])
    created = loaded - pd.Timedelta(days=400)
    catalogue = pd.DataFrame(
        {
            "_fivetran_synced": loaded,
            "app_id": APP_ID,
            "color": "gray",
            "created_at": created,
            "created_by_user_id": "pendo-admin",
            "dirty": False,
            "group_id": "core",
            "id": features["feature_key"].map(fids).to_numpy(dtype=object),
            "is_core_event": features["is_key_feature"].astype("boolean").to_numpy(),
            "last_updated_at": (loaded - pd.Timedelta(days=1)).astype("datetime64[us]"),
            "last_updated_by_user_id": "pendo-admin",
            "name": features["feature_name"].to_numpy(dtype=object),
            "page_id": None,
            "root_version_id": features["feature_key"].map(fids).to_numpy(dtype=object),
            "stable_version_id": features["feature_key"].map(fids).to_numpy(dtype=object),
            "valid_through": loaded,
            "_page": features["feature_key"].isin(PAGE_FEATURES).to_numpy(),
        }
    )
    older = catalogue.copy()
    older["last_updated_at"] = created
    older["_fivetran_synced"] = loaded + pd.Timedelta(hours=6)  # re-synced after the current one
    older["is_core_event"] = False
    older["name"] = older["name"].str.lower() + " (draft)"
    catalogue = pd.concat([catalogue, older], ignore_index=True)
    feature_history = (
        catalogue.loc[~catalogue["_page"]].drop(columns="_page").reset_index(drop=True)
    )
    page_history = (
        catalogue.loc[catalogue["_page"]]
        .drop(columns=["_page", "is_core_event", "page_id"])
        .reset_index(drop=True)
    )
    return {
        "account_history": account_history,
        "visitor_history": visitor_history,
        "visitor_account_history": visitor_account_history,
        "feature_history": feature_history,
        "page_history": page_history,
        "feature_event": feature_event,
        "page_event": page_event,
        "event": event,
    }


def equivalent(frames: dict[str, pd.DataFrame], ctx: LandingContext) -> dict[str, pd.DataFrame]:
    """The usage contract as the Pendo adapter reproduces it: each event of a bucket dated at the
    bucket's hour and loaded when the bucket was synced, feature keys in Pendo's ids, the
    current version of each feature (pages are never key features), and no seats."""
    fids = feature_ids(frames)
    events = current_events(frames)
    occurred = pd.to_datetime(events["occurred_at"], utc=True)
    hour = occurred.dt.floor("h")
    bucket_keys = [events["account_id"], events["user_id"], events["feature_key"], hour]
    loaded = events.groupby(bucket_keys, dropna=False)["_loaded_at"].transform("max")
    out_events = events.assign(
        feature_key=events["feature_key"].map(fids),
        occurred_at=hour,
        _loaded_at=pd.to_datetime(loaded, utc=True).astype("datetime64[us, UTC]"),
        org_id=None,
        _is_deleted=False,
    )[frames["product.events"].columns]
    features = frames["product.features"].sort_values("_loaded_at", kind="stable")
    features = features.drop_duplicates("feature_key", keep="last").reset_index(drop=True)
    out_features = features.assign(
        feature_key=features["feature_key"].map(fids),
        is_key_feature=features["is_key_feature"].astype(bool)
        & ~features["feature_key"].isin(PAGE_FEATURES),
        org_id=None,
        _is_deleted=False,
    )[frames["product.features"].columns]
    return {
        "product.events": out_events.reset_index(drop=True),
        "product.features": out_features,
        "product.seats": empty_seats(frames),
    }
