"""Segment, as its warehouse destination lands it (docs/connectors/segment.md).

- One row per call: ``tracks`` (one per ``track`` call; ``event`` is the event name in
  snake_case, ``event_text`` as sent), ``pages`` (the features of :data:`PAGE_FEATURES` are
  page views, named after the feature), ``identifies`` and ``groups``. Keys are Segment message
  ids (``id``); the same message can be loaded twice (the contract's re-synced duplicates),
  with a later ``uuid_ts``. No ``_fivetran_*`` columns and no deletes: events whose latest
  contract version is deleted are not landed.
- Events carry users, not accounts: a user's account is its group (``groups``: ``user_id`` ->
  ``group_id``, the product's workspace id); about half the accounts' products also send
  ``context_group_id`` with each event. A user's first group call sometimes comes a little after
  its first events.
- A third of the users start anonymous: their first events have no ``user_id``, only an
  ``anonymous_id``, which their ``identify`` call links to the user. A few stray anonymous
  events are never identified (no account: quarantined).
- Identity: group traits ``crm_account_id`` (the CRM id, about 60 % of the accounts, on their
  first group calls only), ``website`` (half of the other accounts) and the users' ``email``
  traits (the first user of each account has a work address; later identify calls do not
  repeat it). ``company_id`` (an identify trait holding the group id) is landed for
  ``segment_account_trait``.
- No licensed seats.
"""

from __future__ import annotations

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
    live_event_rows,
    naive_utc,
    short_hash,
)

NAME = "segment"
FAMILY = "usage"
# Features of the demo product sent as page calls (named after the feature), not tracks.
PAGE_FEATURES = ("search", "admin_settings")
# dbt_project.yml var segment_key_events: the events that are key features.
KEY_EVENTS = ("dashboards", "reports", "alerts", "workflows", "integrations")
ANONYMOUS_USER_SHARE = 0.3  # users whose first events precede their identify call
CONTEXT_GROUP_ACCOUNT_SHARE = 0.5  # accounts whose product sends context_group_id
WEBSITE_TRAIT_SHARE = 0.5  # accounts (linked by domain) whose group calls carry a website
PERSONAL_EMAIL_SHARE = 0.12  # users whose email trait is a personal address
STRAY_ANONYMOUS = 8  # tracks of visitors who never identify
WEB = "analytics.js"


def page_key(name: pd.Series) -> pd.Series:
    """The adapter's feature key of a page view: ``page:`` and the page name, lower-cased."""
    return "page:" + name.str.strip().str.lower()


def _group_ids(frames: dict[str, pd.DataFrame], ctx: LandingContext) -> dict[str, str]:
    """Contract account id -> the product's workspace id, sent as ``group_id``."""
    used = sorted(current_events(frames)["account_id"].dropna().unique())
    return {a: f"wks_{short_hash(a, 'segment', 12)}" for a in used}


def _message_ids(*parts: pd.Series | np.ndarray) -> np.ndarray:
    """Segment-style message ids from the given columns (vectorised)."""
    h1 = hash64(*parts)
    h2 = hash64(h1, *parts)
    return ("ajs-" + pd.Series(hex_ids(h1, 16)) + pd.Series(hex_ids(h2, 16))).to_numpy(object)


def _client_columns(ts: pd.Series, rng: np.random.Generator) -> dict[str, pd.Series]:
    """Segment's time columns around the event time ``ts`` (naive UTC)."""
    n = len(ts)
    skew = pd.to_timedelta(rng.integers(-30_000, 30_000, n), unit="ms")
    return {
        "timestamp": ts,
        "original_timestamp": (ts + skew).astype("datetime64[us]"),
        "sent_at": (ts + skew + pd.Timedelta(seconds=1)).astype("datetime64[us]"),
        "received_at": (ts + pd.Timedelta(seconds=1)).astype("datetime64[us]"),
    }


def land(frames: dict[str, pd.DataFrame], ctx: LandingContext) -> dict[str, pd.DataFrame]:
    rng = ctx.rng
    accounts = crm_accounts(frames)
    groups_of = _group_ids(frames, ctx)
    current = current_events(frames)
    used = sorted(groups_of)
    explicit = explicit_accounts(used, accounts, ctx, deleted_crm_accounts(frames))
    domain_only = [a for a in used if a not in explicit]
    website_accounts = {a for a in domain_only if rng.random() < WEBSITE_TRAIT_SHARE}
    context_accounts = {a for a in used if rng.random() < CONTEXT_GROUP_ACCOUNT_SHARE}

    # -- users: anonymous id, the events they send before identifying, their identify time
    occurred = pd.to_datetime(current["occurred_at"], utc=True)
    current = current.assign(ts=naive_utc(occurred))
    current = current.sort_values(["user_id", "ts", "event_id"], kind="stable")
    current["rank"] = current.groupby("user_id", sort=False).cumcount()
    users = (
        current.groupby("user_id", sort=True)
        .agg(account_id=("account_id", "first"), first_ts=("ts", "min"))
        .reset_index()
    )
    nu = len(users)
    users["anonymous_id"] = hex_ids(hash64(users["user_id"].to_numpy(object)), 16)
    users["anonymous_id"] = (
        users["anonymous_id"].str.slice(0, 8) + "-" + users["anonymous_id"].str.slice(8)
    )
    users["anonymous_events"] = np.where(
        rng.random(nu) < ANONYMOUS_USER_SHARE, rng.integers(1, 4, nu), 0
    )
    user_index = users.set_index("user_id")
    anon_n = current["user_id"].map(user_index["anonymous_events"])
    current["anonymous"] = current["rank"].to_numpy() < anon_n.to_numpy()
    # the identify call comes just before the first identified event
    first_identified = (
        current.loc[~current["anonymous"]].groupby("user_id")["ts"].min().reindex(users["user_id"])
    )
    last_event = current.groupby("user_id")["ts"].max().reindex(users["user_id"])
    users["identify_ts"] = (
        first_identified.fillna(last_event + pd.Timedelta(minutes=5)) - pd.Timedelta(seconds=2)
    ).to_numpy()
    domain = accounts["domain"].reindex(users["account_id"]).to_numpy(object)
    personal = rng.random(nu) < PERSONAL_EMAIL_SHARE
    personal &= users["account_id"].duplicated().to_numpy()  # first user: a work address
    local = users["user_id"].str.lower().to_numpy(object)
    users["email"] = np.where(
        personal | pd.isna(domain),
        local + "@" + np.where(rng.random(nu) < 0.5, "gmail.com", "outlook.com"),
        local + "@" + np.where(pd.isna(domain), "", domain).astype(object),
    )
    users["group_id"] = users["account_id"].map(groups_of)

    # -- tracks and pages: every landed version of each live event (a message loaded twice is
    # the contract's re-synced duplicate)
    rows = live_event_rows(frames)
    rows = rows.assign(
        ts=naive_utc(rows["occurred_at"]).to_numpy(),
        uuid_ts=naive_utc(rows["_loaded_at"]).to_numpy(),
        message_id=_message_ids(rows["event_id"].to_numpy(object)),
    )
    anonymous_ids = set(current.loc[current["anonymous"], "event_id"])
    is_anonymous = rows["event_id"].isin(anonymous_ids).to_numpy()
    features = frames["product.features"].drop_duplicates("feature_key", keep="last")
    name_of = features.set_index("feature_key")["feature_name"]
    user_rows = user_index.reindex(rows["user_id"])
    send_group = rows["account_id"].isin(context_accounts).to_numpy() & ~is_anonymous
    mobile = (rows["feature_key"] == "mobile_app").to_numpy()
    ip = hash64(rows["user_id"].to_numpy(object))
    common = pd.DataFrame(
        {
            "id": rows["message_id"].to_numpy(object),
            "anonymous_id": user_rows["anonymous_id"].to_numpy(object),
            "user_id": np.where(is_anonymous, None, rows["user_id"].to_numpy(object)),
            **{
                k: v.to_numpy()
                for k, v in _client_columns(pd.Series(rows["ts"].to_numpy()), rng).items()
            },
            "uuid_ts": rows["uuid_ts"].to_numpy(),
            "context_ip": ("10.2." + pd.Series(ip % np.uint64(250)).astype(str) + ".7").to_numpy(
                object
            ),
            "context_user_agent": np.where(
                mobile, "ProductApp/5.2 (iPhone; iOS 17.5)", "Mozilla/5.0"
            ),
            "context_library_name": np.where(mobile, "analytics-ios", WEB),
            "context_page_path": "/app",
            "context_group_id": np.where(
                send_group, rows["account_id"].map(groups_of).to_numpy(object), None
            ),
        }
    )
    is_page = rows["feature_key"].isin(PAGE_FEATURES).to_numpy()
    names = rows["feature_key"].map(name_of).to_numpy(object)
    tracks = common.loc[~is_page].copy()
    tracks.insert(3, "event", rows.loc[~is_page, "feature_key"].to_numpy(object))
    tracks.insert(4, "event_text", names[~is_page])
    page_names = pd.Series(names[is_page], dtype=object)
    paths = "/" + page_names.str.lower().str.replace(" ", "-", regex=False)
    pages = common.loc[is_page].reset_index(drop=True)
    pages = pages.assign(
        name=page_names.to_numpy(object),
        path=paths.to_numpy(object),
        url=("https://app.product.example" + paths).to_numpy(object),
        title=(page_names + " | Product").to_numpy(object),
        referrer=None,
        search=None,
        context_page_path=paths.to_numpy(object),
    )
    # stray visitors who never identify: copies of a few tracks, anonymous ever after
    stray = tracks.sample(n=min(STRAY_ANONYMOUS, len(tracks)), random_state=3).copy()
    stray["id"] = _message_ids(stray["id"].to_numpy(object), np.full(len(stray), "stray"))
    stray["anonymous_id"] = hex_ids(hash64(stray["id"].to_numpy(object)), 16)
    stray["user_id"] = None
    stray["context_group_id"] = None
    tracks = pd.concat([tracks, stray], ignore_index=True)

    # -- identifies: one per user at the identify time, a third re-identify later without email
    ident_ts = pd.Series(users["identify_ts"].to_numpy()).astype("datetime64[us]")
    identifies = pd.DataFrame(
        {
            "id": _message_ids(users["user_id"].to_numpy(object), np.full(nu, "identify")),
            "user_id": users["user_id"].to_numpy(object),
            "anonymous_id": users["anonymous_id"].to_numpy(object),
            **{k: v.to_numpy() for k, v in _client_columns(ident_ts, rng).items()},
            "uuid_ts": (ident_ts + pd.Timedelta(minutes=20)).to_numpy(),
            "email": users["email"].to_numpy(object),
            "name": None,
            "company_id": users["group_id"].to_numpy(object),
        }
    )
    again = identifies.loc[rng.random(nu) < 0.3].copy()
    later = pd.to_timedelta(rng.integers(1, 30, len(again)), unit="D")
    for col in ("timestamp", "original_timestamp", "sent_at", "received_at", "uuid_ts"):
        again[col] = (again[col] + later).astype("datetime64[us]")
    again["id"] = _message_ids(again["id"].to_numpy(object), np.full(len(again), "again"))
    again["email"] = None
    identifies = pd.concat([identifies, again], ignore_index=True)

    # -- groups: a user's group call around its first event (sometimes after it), a third call
    # again later; the CRM id and website traits ride on the first call only
    group_ts = pd.Series(
        (users["first_ts"] + pd.to_timedelta(rng.integers(-7_200, 7_200, nu), unit="s")).to_numpy()
    ).astype("datetime64[us]")
    acct = users["account_id"]
    group_names = accounts["account_name"].reindex(acct).to_numpy(object)
    crm_trait = np.array(
        [str(ctx.crm_id(a)) if a in explicit else None for a in acct], dtype=object
    )
    website = accounts["website"].reindex(acct).to_numpy(object)
    website_trait = np.where(acct.isin(website_accounts).to_numpy(), website, None)
    groups = pd.DataFrame(
        {
            "id": _message_ids(users["user_id"].to_numpy(object), np.full(nu, "group")),
            "group_id": users["group_id"].to_numpy(object),
            "user_id": users["user_id"].to_numpy(object),
            "anonymous_id": users["anonymous_id"].to_numpy(object),
            **{k: v.to_numpy() for k, v in _client_columns(group_ts, rng).items()},
            "uuid_ts": (group_ts + pd.Timedelta(minutes=15)).to_numpy(),
            "name": group_names,
            "plan": np.where(rng.random(nu) < 0.5, "business", "enterprise"),
            "website": website_trait,
            "crm_account_id": crm_trait,
        }
    )
    again = groups.loc[rng.random(nu) < 0.3].copy()
    later = pd.to_timedelta(rng.integers(7, 90, len(again)), unit="D")
    for col in ("timestamp", "original_timestamp", "sent_at", "received_at", "uuid_ts"):
        again[col] = (again[col] + later).astype("datetime64[us]")
    again["id"] = _message_ids(again["id"].to_numpy(object), np.full(len(again), "again"))
    again["website"] = None
    again["crm_account_id"] = None
    groups = pd.concat([groups, again], ignore_index=True)
    return {
        "tracks": tracks.reset_index(drop=True),
        "pages": pages,
        "identifies": identifies,
        "groups": groups,
    }


def equivalent(frames: dict[str, pd.DataFrame], ctx: LandingContext) -> dict[str, pd.DataFrame]:
    """The usage contract as the Segment adapter reproduces it: every landed version of each
    live event (page views keyed ``page:<name>``), one feature per distinct event name (its key
    features those of the var segment_key_events, loaded when its latest message was), no
    seats."""
    rows = live_event_rows(frames)
    features = frames["product.features"].drop_duplicates("feature_key", keep="last")
    name_of = features.set_index("feature_key")["feature_name"]
    is_page = rows["feature_key"].isin(PAGE_FEATURES)
    names = rows["feature_key"].map(name_of)
    keys = rows["feature_key"].where(~is_page, page_key(names.astype(object)))
    out_events = rows.assign(feature_key=keys, org_id=None, _is_deleted=False)[
        frames["product.events"].columns
    ]
    catalogue = (
        pd.DataFrame({"feature_key": keys, "feature_name": names, "_loaded_at": rows["_loaded_at"]})
        .groupby("feature_key", sort=True)
        .agg(feature_name=("feature_name", "max"), _loaded_at=("_loaded_at", "max"))
        .reset_index()
    )
    out_features = catalogue.assign(
        is_key_feature=catalogue["feature_key"].isin(KEY_EVENTS),
        org_id=None,
        _is_deleted=False,
    )[frames["product.features"].columns]
    return {
        "product.events": out_events.reset_index(drop=True),
        "product.features": out_features,
        "product.seats": empty_seats(frames),
    }
