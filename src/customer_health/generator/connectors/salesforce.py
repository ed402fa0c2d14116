"""The CRM family as the Fivetran Salesforce connector lands it (docs/connectors/salesforce.md).

Tables (schema ``salesforce``): ``account``, ``user``, ``contact``, ``task``, ``event``,
``opportunity`` and ``contract``, one row per Salesforce id (the latest version of each contract
row wins), with ``is_deleted`` (the recycle bin; ``_fivetran_deleted`` on ``user``) and
``_fivetran_synced`` (UTC, naive). The quirks the adapter must cope with:

- ids in Salesforce's own form: 18 characters, case-sensitive, the first three telling the
  object (``001`` account, ``003`` contact, ``005`` user, ``006`` opportunity, ``00T`` task,
  ``00U`` event, ``800`` contract). Some references (``parent_id``, ``account_id``, ``who_id``)
  are written in the 15-character form, as some integrations do; two accounts have 15-character
  ids that differ only in case, and every reference to them is in that form;
- the contract account id sits in ``account_number``; the segment, region, churn date, contact
  role, meeting outcome, contract ARR and renewal date and the previous ARR of a renewal in
  custom fields (``*_c``); some accounts have no segment (it comes from the employee count), some
  contacts no role (it comes from the title), some meetings no outcome (held), some contracts no
  renewal date (the day after the end) or no ARR (the won opportunities linked to them);
- picklists in their display values (``Customer``, ``Former Customer``, ``Closed Won``,
  ``Existing Customer - Upgrade``, ``Financial Services``, ``Executive Sponsor``, ...);
- calls and emails are tasks, meetings events; group events have invitee copies
  (``is_child``), and a few recurring series masters, to-do tasks, open calls, new-business
  opportunities and draft contracts are landed that the adapter must leave out;
- two accounts were merged: the losing copies are deleted with ``master_record_id`` set;
- the account owner (the CSM) is a ``user``; accounts without a CSM belong to a user that was
  removed at the source (``_fivetran_deleted``).

There is no sentiment object: ``crm.sentiment`` is empty in the equivalent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

from customer_health.generator.connectors import LandingContext

NAME = "salesforce"
FAMILY = "crm"

KEYS = {
    "accounts": "account_id",
    "contacts": "contact_id",
    "activities": "activity_id",
    "sentiment": "sentiment_id",
    "contracts": "contract_id",
    "opportunities": "opportunity_id",
}

# what the adapter reads back (the defaults of the salesforce_* vars in dbt_project.yml)
ACCOUNT_TYPES = {"active": "Customer", "churned": "Former Customer"}
CONTACT_ROLES = {
    "sponsor": "Executive Sponsor",
    "champion": "Champion",
    "admin": "Admin",
    "user": "End User",
}
# titles the adapter's title fallback (var salesforce_contact_title_roles) reads as the role
TITLES = {
    "sponsor": ["VP Operations", "Chief Revenue Officer", "Director of IT", "Head of Analytics"],
    "champion": ["Operations Manager", "Team Lead, Analytics", "Program Manager"],
    "admin": ["System Administrator", "Salesforce Admin"],
    "user": ["Analyst", "Account Executive", "Engineer", "Specialist"],
}
MEETING_OUTCOMES = {"held": "Held", "cancelled": "Canceled", "no_show": "No Show"}
OPPORTUNITY_TYPES = {"renewal": "Renewal", "expansion": "Existing Customer - Upgrade"}
STAGES = {
    "open": ("Negotiation/Review", False, False, 75.0),
    "closed_won": ("Closed Won", True, True, 100.0),
    "closed_lost": ("Closed Lost", True, False, 0.0),
}
CONTRACT_STATUSES = {
    "active": "Activated",
    "renewed": "Renewed",
    "churned": "Churned",
    "expired": "Expired",
}
COUNTRIES = {"amer": "United States", "emea": "Germany", "apac": "Singapore"}
ENTERPRISE_MIN_EMPLOYEES = 1000
MID_MARKET_MIN_EMPLOYEES = 100

_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def to18(id15: str) -> str:
    """The 18-character form of a 15-character Salesforce id: three check characters, each
    encoding which of five characters are upper-case letters."""
    suffix = ""
    for start in (0, 5, 10):
        flags = sum(1 << i for i, c in enumerate(id15[start : start + 5]) if "A" <= c <= "Z")
        suffix += _SUFFIX[flags]
    return id15 + suffix


def _sequential(prefix: str, keys: list[str], start: int = 0) -> dict[str, str]:
    """18-character ids for ``keys``, numbered in their order (so they sort as the keys do)."""
    return {k: to18(f"{prefix}Dn00{start + i:08d}") for i, k in enumerate(keys)}


def _norm(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower().replace("-", "_").replace(" ", "_")


def _latest(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """One row per key, the latest ``_loaded_at`` winning (the last one on a tie)."""
    out = frame[frame[key].notna()].sort_values("_loaded_at", kind="stable")
    return out.drop_duplicates(key, keep="last").reset_index(drop=True)


def _utc_naive(values: pd.Series) -> pd.Series:
    """Timestamps as the connector lands them: UTC, without a zone."""
    stamps = pd.to_datetime(values, utc=True)
    return stamps.dt.tz_convert("UTC").dt.tz_localize(None)


def _midnight(values: pd.Series) -> pd.Series:
    """Salesforce date fields the package reads as timestamps (close_date, activity_date)."""
    return pd.to_datetime(values.map(lambda d: d if isinstance(d, dt.date) else None))


def _segment(value: object) -> str | None:
    norm = _norm(value)
    if norm in ("enterprise", "ent"):
        return "enterprise"
    if norm in ("mid_market", "midmarket", "mid", "mm"):
        return "mid_market"
    if norm in ("smb", "small_business", "sme", "small"):
        return "smb"
    return None


def _account_status(value: object) -> str | None:
    norm = _norm(value)
    if norm in ("active", "customer"):
        return "active"
    if norm in ("churned", "former_customer", "cancelled", "canceled"):
        return "churned"
    return None


def _nulls(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing values of text columns as None (not NaN), as the loaders expect them."""
    frame = frame.copy()
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].where(frame[col].notna(), None)
    return frame


def _crm(frames: Mapping[str, pd.DataFrame], table: str) -> pd.DataFrame:
    return _latest(frames[f"crm.{table}"], KEYS[table])


class _Refs:
    """Writes account references, some in the 15-character form."""

    def __init__(self, ctx: LandingContext, short_share: float, always_short: set[str]):
        self.ctx, self.share, self.always = ctx, short_share, always_short

    def __call__(self, account_id: object) -> object:
        sf_id = self.ctx.crm_id(account_id)
        if not isinstance(sf_id, str) or sf_id == account_id:
            return sf_id  # an account the CRM does not have: written as given
        if sf_id in self.always or self.ctx.rng.random() < self.share:
            return sf_id[:15]
        return sf_id


def _account_ids(ctx: LandingContext, account_ids: list[str]) -> list[str]:
    """Random mixed-case 18-character account ids; the first two differ only in case."""
    codes: list[str] = []
    used: set[str] = set()
    while len(codes) < len(account_ids):
        code = "".join(ctx.rng.choice(list(_LETTERS), 7))
        if code.lower() not in used:
            used.add(code.lower())
            codes.append(code)
    if len(codes) > 1:
        codes[1] = codes[0].swapcase()
    return [to18(f"001Dn000{c}") for c in codes]


def _land_accounts(frames, ctx: LandingContext) -> tuple[pd.DataFrame, pd.DataFrame, set[str]]:
    accounts = _crm(frames, "accounts").sort_values("account_id").reset_index(drop=True)
    ids = _account_ids(ctx, accounts["account_id"].tolist())
    ctx.crm_ids.update(dict(zip(accounts["account_id"], ids, strict=True)))
    twins = set(ids[:2])
    refs = _Refs(ctx, 0.15, twins)

    names = sorted({n for n in accounts["owner_csm"] if isinstance(n, str)})
    user_ids = _sequential("005", [*names, "~former", "~integration"])
    users = pd.DataFrame(
        {
            "id": list(user_ids.values()),
            "name": [*names, "Morgan Ellis", "Integration User"],
            "title": ["Customer Success Manager"] * len(names) + ["Account Manager", None],
            "user_type": "Standard",
            "is_active": [True] * len(names) + [False, True],
            "_fivetran_deleted": [False] * len(names) + [True, False],
        }
    )
    users["first_name"] = users["name"].str.split(" ").str[0]
    users["last_name"] = users["name"].str.split(" ").str[-1]
    users["email"] = users["name"].str.lower().str.replace(" ", ".") + "@vendor.example"
    users["_fivetran_synced"] = _utc_naive(accounts["_loaded_at"]).max()

    segments = accounts["segment"].map(_segment)
    employees = pd.array(
        [
            None
            if s is None
            else int(
                ctx.rng.integers(ENTERPRISE_MIN_EMPLOYEES, 20000)
                if s == "enterprise"
                else ctx.rng.integers(MID_MARKET_MIN_EMPLOYEES, ENTERPRISE_MIN_EMPLOYEES)
                if s == "mid_market"
                else ctx.rng.integers(5, MID_MARKET_MIN_EMPLOYEES)
            )
            for s in segments
        ],
        dtype="Int64",
    )
    # no segment on some accounts: the adapter falls back on the employee count
    no_segment = segments.notna() & (ctx.rng.random(len(accounts)) < 0.15)
    status = accounts["account_status"].map(_account_status)
    other = ctx.rng.random(len(accounts)) < 0.5
    created = pd.to_datetime(accounts["created_date"]) + pd.to_timedelta(
        ctx.rng.integers(0, 86400, len(accounts)), unit="s"
    )
    # some websites without the scheme, as users type them
    website = [
        w.removeprefix("https://") if isinstance(w, str) and i % 2 else w
        for i, w in enumerate(accounts["website"])
    ]
    ctx.id_maps["salesforce.website"] = dict(zip(accounts["account_id"], website, strict=True))
    landed = pd.DataFrame(
        {
            "id": ids,
            "name": accounts["account_name"],
            "type": [
                ACCOUNT_TYPES.get(s) if s else ("Other" if o else None)
                for s, o in zip(status, other, strict=True)
            ],
            "industry": accounts["industry"].map(
                lambda v: v.replace("_", " ").title() if isinstance(v, str) else v
            ),
            "account_number": accounts["account_id"],
            "website": website,
            "owner_id": accounts["owner_csm"].map(
                lambda n: user_ids[n] if isinstance(n, str) else user_ids["~former"]
            ),
            "parent_id": accounts["parent_account_id"].map(refs),
            "created_date": created,
            "number_of_employees": employees,
            "billing_country": accounts["region"].map(lambda r: COUNTRIES.get(_norm(r) or "")),
            "customer_segment_c": accounts["segment"].where(~no_segment, None),
            "region_c": accounts["region"].map(lambda r: r.upper() if isinstance(r, str) else r),
            "churn_date_c": accounts["churn_date"],
            "master_record_id": None,
            "is_deleted": accounts["_is_deleted"].astype(bool),
            "_fivetran_synced": _utc_naive(accounts["_loaded_at"]),
        }
    )
    # two merges: the losing copy is deleted and points to the survivor
    live = landed.index[~landed["is_deleted"]].tolist()
    survivors = [live[len(live) // 3], live[2 * len(live) // 3]] if len(live) > 2 else []
    merged: dict[str, str] = {}
    losers = []
    for n, row in enumerate(survivors):
        loser = landed.loc[row].copy()
        contract_id = accounts.loc[row, "account_id"]
        loser["id"] = to18(f"001Dn00MRG{n:05d}")
        loser["master_record_id"] = landed.loc[row, "id"]
        loser["is_deleted"] = True
        loser["_fivetran_synced"] = loser["_fivetran_synced"] + pd.Timedelta(hours=1)
        pseudo = f"{contract_id}~merged"
        ctx.crm_ids[pseudo] = loser["id"]
        merged[pseudo] = contract_id
        losers.append(loser)
    ctx.id_maps["salesforce.merged"] = merged
    if losers:
        landed = pd.concat([landed, pd.DataFrame(losers)], ignore_index=True)
    landed["number_of_employees"] = landed["number_of_employees"].astype("Int64")
    return landed, users, twins


def _land_contacts(frames, ctx: LandingContext, twins: set[str]) -> pd.DataFrame:
    contacts = _crm(frames, "contacts").sort_values("contact_id").reset_index(drop=True)
    ids = _sequential("003", contacts["contact_id"].tolist())
    ctx.id_maps["contact"] = ids
    refs = _Refs(ctx, 0.1, twins)
    local = [e.split("@")[0] if isinstance(e, str) else "" for e in contacts["email"]]
    first = [s.split(".")[0].title() if s else "Unknown" for s in local]
    last = [s.split(".")[-1].title() if "." in s else f"Contact {i}" for i, s in enumerate(local)]
    roles = contacts["role"].map(_norm)
    mobile = ctx.rng.random(len(contacts)) < 0.2
    no_role = ctx.rng.random(len(contacts)) < 0.1
    return pd.DataFrame(
        {
            "id": [ids[c] for c in contacts["contact_id"]],
            "account_id": contacts["account_id"].map(refs),
            "first_name": first,
            "last_name": last,
            "name": [f"{f} {s}" for f, s in zip(first, last, strict=True)],
            "email": contacts["email"],
            "phone": contacts["phone"].where(~mobile, None),
            "mobile_phone": contacts["phone"].where(mobile, None),
            "title": [ctx.rng.choice(TITLES[r]) if r in TITLES else None for r in roles],
            # some contacts have no role: the adapter reads it from the title
            "contact_role_c": [
                None if skip else CONTACT_ROLES.get(r, raw)
                for r, raw, skip in zip(roles, contacts["role"], no_role, strict=True)
            ],
            "created_date": pd.to_datetime(contacts["active_from"])
            + pd.to_timedelta(ctx.rng.integers(0, 86400, len(contacts)), unit="s"),
            "role_end_date_c": contacts["active_to"],
            "master_record_id": None,
            "is_deleted": contacts["_is_deleted"].astype(bool),
            "_fivetran_synced": _utc_naive(contacts["_loaded_at"]),
        }
    )


def _who(ctx: LandingContext, contact_id: object, n: int) -> object:
    """A task's or event's who_id: the contact (some in the 15-character form), or a lead."""
    sf_id = ctx.id_maps["contact"].get(contact_id) if isinstance(contact_id, str) else None
    if sf_id is None:
        return to18(f"00QDn00{n:08d}") if n % 2 else None
    return sf_id[:15] if ctx.rng.random() < 0.1 else sf_id


def _land_activities(
    frames, ctx: LandingContext, accounts: pd.DataFrame, twins: set[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    activities = _crm(frames, "activities").sort_values("activity_id").reset_index(drop=True)
    refs = _Refs(ctx, 0.1, twins)
    owners = dict(zip(accounts["id"], accounts["owner_id"], strict=True))
    occurred = _utc_naive(activities["occurred_at"])
    synced = _utc_naive(activities["_loaded_at"])
    common = pd.DataFrame(
        {
            "account_id": activities["account_id"].map(refs),
            "what_id": activities["account_id"].map(ctx.crm_id),
            "who_id": [_who(ctx, c, i) for i, c in enumerate(activities["contact_id"])],
            "owner_id": activities["account_id"].map(lambda a: owners.get(ctx.crm_id(a))),
            "activity_date": occurred.dt.normalize(),
            "created_date": occurred,
            "is_deleted": activities["_is_deleted"].astype(bool),
            "_fivetran_synced": synced,
        }
    )
    kind = activities["activity_type"].map(_norm)
    is_meeting = kind == "meeting"

    tasks = common[~is_meeting].copy()
    task_kind = kind[~is_meeting]
    tasks.insert(
        0,
        "id",
        list(_sequential("00T", activities.loc[~is_meeting, "activity_id"].tolist()).values()),
    )
    tasks["subject"] = task_kind.map({"call": "Call", "email": "Email: follow-up"})
    tasks["task_subtype"] = task_kind.map({"call": "Call", "email": "Email"})
    tasks["type"] = tasks["task_subtype"]
    tasks["status"] = "Completed"
    tasks["is_closed"] = True
    tasks["priority"] = "Normal"
    tasks["completed_date_time"] = occurred[~is_meeting]
    tasks["call_type"] = np.where(task_kind == "call", "Outbound", None)
    tasks["call_duration_in_seconds"] = pd.array(
        [int(ctx.rng.integers(120, 3600)) if k == "call" else None for k in task_kind],
        dtype="Int64",
    )
    # to-dos and calls not made yet: tasks the adapter leaves out
    extra = tasks.sample(n=max(2, len(tasks) // 30), random_state=int(ctx.rng.integers(1 << 30)))
    extra = extra.reset_index(drop=True)
    extra["id"] = list(_sequential("00T", list(range(len(extra))), start=90_000_000).values())
    todo = np.arange(len(extra)) % 3 != 0
    extra["subject"] = np.where(todo, "Send renewal quote", "Call back")
    extra["task_subtype"] = np.where(todo, "Task", "Call")
    extra["type"] = np.where(todo, None, "Call")
    extra["status"] = "Not Started"
    extra["is_closed"] = False
    extra["completed_date_time"] = pd.NaT
    extra["call_duration_in_seconds"] = pd.array([None] * len(extra), dtype="Int64")
    tasks = pd.concat([tasks, extra], ignore_index=True)

    events = common[is_meeting].copy()
    meetings = activities[is_meeting]
    events.insert(0, "id", list(_sequential("00U", meetings["activity_id"].tolist()).values()))
    minutes = ctx.rng.choice([30, 45, 60], len(events))
    events["subject"] = "Meeting"
    events["type"] = "Meeting"
    events["event_subtype"] = "Event"
    events["start_date_time"] = occurred[is_meeting]
    events["end_date_time"] = events["start_date_time"] + pd.to_timedelta(minutes, unit="m")
    events["activity_date_time"] = events["start_date_time"]
    events["duration_in_minutes"] = pd.array(minutes, dtype="Int64")
    events["location"] = "Video call"
    # no outcome on some held meetings: the adapter reads them as held
    outcome = meetings["outcome"].map(_norm)
    blank = (outcome == "held") & (ctx.rng.random(len(events)) < 0.3)
    events["meeting_outcome_c"] = [
        None if b else MEETING_OUTCOMES.get(o, raw)
        for o, raw, b in zip(outcome, meetings["outcome"], blank, strict=True)
    ]
    events["is_child"] = False
    events["is_recurrence"] = False
    group = ctx.rng.random(len(events)) < 0.2
    events["is_group_event"] = group
    # invitee copies of group events (is_child), and recurring series masters
    children = events[group].copy()
    children["is_child"] = True
    children["is_group_event"] = False
    masters = events.head(2).copy()
    masters["is_recurrence"] = True
    masters["subject"] = "Weekly sync (series)"
    copies = pd.concat([children, masters], ignore_index=True)
    copies["id"] = list(_sequential("00U", list(range(len(copies))), start=90_000_000).values())
    events = pd.concat([events, copies], ignore_index=True)
    return tasks.reset_index(drop=True), events.reset_index(drop=True)


def _land_deals(
    frames, ctx: LandingContext, accounts: pd.DataFrame, twins: set[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    refs = _Refs(ctx, 0.1, twins)
    owners = dict(zip(accounts["id"], accounts["owner_id"], strict=True))
    contracts = _crm(frames, "contracts").sort_values("contract_id").reset_index(drop=True)
    opps = _crm(frames, "opportunities").sort_values("opportunity_id").reset_index(drop=True)
    contract_ids = _sequential("800", contracts["contract_id"].tolist())
    opp_ids = _sequential("006", opps["opportunity_id"].tolist())

    stage = opps["stage"].map(lambda s: STAGES.get(_norm(s) or "", (s, None, None, None)))
    close = _midnight(opps["close_date"])
    # a won opportunity is linked to the contract it started (Opportunity.ContractId)
    starts = contracts.assign(start=pd.to_datetime(contracts["start_date"]))
    link: dict[int, str] = {}
    for i, row in opps.iterrows():
        if _norm(row["stage"]) != "closed_won" or pd.isna(close[i]):
            continue
        hits = starts[(starts["account_id"] == row["account_id"]) & (starts["start"] == close[i])]
        if len(hits) == 1:
            link[i] = contract_ids[hits["contract_id"].iloc[0]]
    landed_opps = pd.DataFrame(
        {
            "id": [opp_ids[o] for o in opps["opportunity_id"]],
            "account_id": opps["account_id"].map(refs),
            "name": opps["opportunity_type"].astype(str).str.title()
            + " "
            + opps["close_date"].astype(str),
            "type": opps["opportunity_type"].map(
                lambda t: OPPORTUNITY_TYPES.get(_norm(t) or "", t)
            ),
            "stage_name": [s[0] for s in stage],
            "is_closed": pd.array([s[1] for s in stage], dtype="boolean"),
            "is_won": pd.array([s[2] for s in stage], dtype="boolean"),
            "probability": [s[3] for s in stage],
            "close_date": close,
            "created_date": close - pd.Timedelta(days=90),
            "amount": opps["amount"],
            "previous_arr_c": opps["previous_amount"],
            "currency_iso_code": opps["currency"],
            "contract_id": [link.get(i) for i in range(len(opps))],
            "owner_id": opps["account_id"].map(lambda a: owners.get(ctx.crm_id(a))),
            "is_deleted": opps["_is_deleted"].astype(bool),
            "_fivetran_synced": _utc_naive(opps["_loaded_at"]),
        }
    )

    # each account's first contract came from a new-business opportunity (not a renewal)
    live = contracts[~contracts["_is_deleted"].astype(bool)]
    first = live.sort_values(["start_date", "contract_id"]).drop_duplicates("account_id")
    new_ids = _sequential("006", first["contract_id"].tolist(), start=90_000_000)
    new_business = pd.DataFrame(
        {
            "id": list(new_ids.values()),
            "account_id": first["account_id"].map(ctx.crm_id).to_numpy(),
            "name": "New business",
            "type": "New Customer",
            "stage_name": "Closed Won",
            "is_closed": pd.array([True] * len(first), dtype="boolean"),
            "is_won": pd.array([True] * len(first), dtype="boolean"),
            "probability": 100.0,
            "close_date": pd.to_datetime(first["start_date"]).to_numpy(),
            "amount": first["arr_amount"].to_numpy(),
            "previous_arr_c": None,
            "currency_iso_code": first["currency"].to_numpy(),
            "contract_id": [contract_ids[c] for c in first["contract_id"]],
            "owner_id": first["account_id"].map(lambda a: owners.get(ctx.crm_id(a))).to_numpy(),
            "is_deleted": False,
            "_fivetran_synced": _utc_naive(first["_loaded_at"]).to_numpy(),
        }
    )
    new_business["created_date"] = new_business["close_date"] - pd.Timedelta(days=60)
    landed_opps = pd.concat([landed_opps, new_business], ignore_index=True)
    landed_opps["previous_arr_c"] = landed_opps["previous_arr_c"].astype(float)

    # the ARR of a contract started by exactly one won opportunity of the same amount may be
    # left out: the adapter sums the won opportunities linked to it
    won = landed_opps[landed_opps["is_won"].fillna(False) & ~landed_opps["is_deleted"]]
    linked = won.groupby("contract_id").agg(
        n=("amount", "size"), amount=("amount", "first"), currency=("currency_iso_code", "first")
    )
    start = pd.to_datetime(contracts["start_date"])
    end = pd.to_datetime(contracts["end_date"])
    renewal = pd.to_datetime(contracts["renewal_date"])
    ids = [contract_ids[c] for c in contracts["contract_id"]]
    arr = []
    for i, sf_id in enumerate(ids):
        hit = linked.loc[sf_id] if sf_id in linked.index else None
        derivable = (
            hit is not None
            and hit["n"] == 1
            and hit["amount"] == contracts.loc[i, "arr_amount"]
            and hit["currency"] == contracts.loc[i, "currency"]
        )
        arr.append(None if derivable and ctx.rng.random() < 0.3 else contracts.loc[i, "arr_amount"])
    day_after = (renewal - end).dt.days == 1
    months = ((end + pd.Timedelta(days=1) - start).dt.days / 30.4).round()
    landed_contracts = pd.DataFrame(
        {
            "id": ids,
            "account_id": contracts["account_id"].map(refs),
            "contract_number": contracts["contract_id"],
            "status": contracts["status"].map(lambda s: CONTRACT_STATUSES.get(_norm(s) or "", s)),
            "start_date": contracts["start_date"],
            "end_date": contracts["end_date"],
            "contract_term": pd.array(
                [None if pd.isna(m) else int(m) for m in months], dtype="Int64"
            ),
            # no renewal date on some: the adapter takes the day after the end
            "renewal_date_c": [
                None if d and ctx.rng.random() < 0.3 else r
                for d, r in zip(day_after, contracts["renewal_date"], strict=True)
            ],
            "arr_c": pd.array(arr, dtype="Float64").astype(float),
            "currency_iso_code": contracts["currency"],
            "activated_date": start,
            "owner_id": contracts["account_id"].map(lambda a: owners.get(ctx.crm_id(a))),
            "is_deleted": contracts["_is_deleted"].astype(bool),
            "_fivetran_synced": _utc_naive(contracts["_loaded_at"]),
        }
    )
    # drafts not signed yet: the adapter leaves them out
    drafts = landed_contracts.head(2).copy()
    drafts["id"] = list(_sequential("800", [0, 1], start=90_000_000).values())
    drafts["contract_number"] = [f"DRAFT-{n}" for n in range(len(drafts))]
    drafts["status"] = "Draft"
    drafts["activated_date"] = pd.NaT
    landed_contracts = pd.concat([landed_contracts, drafts], ignore_index=True)
    return landed_opps, landed_contracts


def land(frames: Mapping[str, pd.DataFrame], ctx: LandingContext) -> dict[str, pd.DataFrame]:
    """The Salesforce tables of the book's CRM frames (see the module docstring)."""
    accounts, users, twins = _land_accounts(frames, ctx)
    contacts = _land_contacts(frames, ctx, twins)
    tasks, events = _land_activities(frames, ctx, accounts, twins)
    opportunities, contracts = _land_deals(frames, ctx, accounts, twins)
    tables = {
        "account": accounts,
        "user": users,
        "contact": contacts,
        "task": tasks,
        "event": events,
        "opportunity": opportunities,
        "contract": contracts,
    }
    return {name: _nulls(frame) for name, frame in tables.items()}


def equivalent(frames: Mapping[str, pd.DataFrame], ctx: LandingContext) -> dict[str, pd.DataFrame]:
    """The CRM frames as the adapter reproduces them: the latest version of each row, the
    merged-away accounts as deleted accounts, websites as landed, account statuses as the
    account types carry them, contacts unknown to the CRM dropped from activities, and no
    sentiment (Salesforce has no sentiment object)."""
    out = {f"crm.{t}": _crm(frames, t) for t in KEYS}

    accounts = out["crm.accounts"]
    websites = ctx.id_maps.get("salesforce.website", {})
    accounts["website"] = accounts["account_id"].map(lambda a: websites.get(a))
    accounts["account_status"] = accounts["account_status"].map(_account_status)
    losers = []
    for pseudo, survivor in ctx.id_maps.get("salesforce.merged", {}).items():
        row = accounts[accounts["account_id"] == survivor].iloc[0].copy()
        row["account_id"] = pseudo
        row["_is_deleted"] = True
        row["_loaded_at"] = row["_loaded_at"] + pd.Timedelta(hours=1)
        losers.append(row)
    if losers:
        accounts = pd.concat([accounts, pd.DataFrame(losers)], ignore_index=True)
    out["crm.accounts"] = accounts

    known = ctx.id_maps.get("contact", {})
    activities = out["crm.activities"]
    activities["contact_id"] = activities["contact_id"].map(
        lambda c: c if isinstance(c, str) and c in known else None
    )
    out["crm.sentiment"] = out["crm.sentiment"].head(0)
    return {key: _nulls(frame) for key, frame in out.items()}
