"""HubSpot, as Fivetran lands it (docs/connectors/hubspot.md): the CRM family, the support
family, or both.

``connectors.land()`` calls this module once per family it lands in HubSpot; each call lands
every such family (``ctx.shapes``), the same frames every time: the random choices come from a
seed drawn once into ``ctx.id_maps["hubspot"]``, so company and contact ids agree between the CRM
and the tickets, and the second call changes nothing. The book is re-landed the way a HubSpot
portal holds it:

- ids are HubSpot's own bigints (companies, contacts, deals, engagements, owners, tickets);
  ``ctx.crm_ids`` maps each contract account id to its company id (CRM family), and the
  contract id is kept in the custom company property ``account_number``;
- one row per object (the latest version of each contract key), ``_fivetran_synced`` the time
  of its latest version; soft deletes split between ``is_deleted`` (v2 API) and
  ``_fivetran_deleted`` (v3 API);
- companies carry the standard properties (name, industry in HubSpot's upper-case codes,
  ``hubspot_owner_id``, ``hs_parent_company_id``, lifecycle stage) and custom ones for what
  HubSpot has no field for (segment, region, churn date); some lack the segment property and
  are read through ``numberofemployees``; the website is ``domain`` on some, ``website`` on
  others;
- contacts with a buying role (``hs_buying_role``, several values ``;``-separated) and a custom
  left-company date;
- deals: every contract term is a closed-won deal (the first one new business, each renewal
  the renewal deal that won it), renewals and expansions are deals of their type, each linked
  to its company through ``deal_company`` (the primary association; a child account's deals
  also link to the parent, as a non-primary one); won and lost come from the stage;
- engagements: meetings, calls and emails in the older layout (``engagement`` + type columns
  without prefix) or the v3 one (``property_hs_*``), linked through ``engagement_company`` and
  ``engagement_contact``; plus notes, tasks and unanswered calls (not activities) and a few
  meetings logged without a company (quarantined);
- tickets through ``ticket_company`` (and ``ticket_contact``), status as pipeline stages,
  priority in HubSpot's words; a few tickets without a company (quarantined). When HubSpot is
  not the CRM, companies carry the CRM id (the Salesforce sync's ``salesforceaccountid``), a
  domain, or both, for the identity map.

What HubSpot does not carry becomes missing in the equivalent: CSM sentiment (no standard
object), ticket CSAT and reopen counts; contracts are the closed-won deals (their status
derived from the deals that follow them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from customer_health.generator.connectors import LandingContext

NAME = "hubspot"
FAMILY = ("crm", "support")

PORTAL_ID = 4_812_337
TERM_MONTHS = 12  # var hubspot_contract_term_months
GRACE_DAYS = 30  # var hubspot_renewal_grace_days

# deal pipelines and stages (deal_pipeline_stage): the default sales pipeline and a renewal one
SALES_PIPELINE = "default"
RENEWAL_PIPELINE = "18204773"
DEAL_STAGES = [
    # stage_id, pipeline_id, label, closed_won, is_closed, probability
    ("appointmentscheduled", SALES_PIPELINE, "Appointment Scheduled", False, False, 0.2),
    ("qualifiedtobuy", SALES_PIPELINE, "Qualified To Buy", False, False, 0.4),
    ("contractsent", SALES_PIPELINE, "Contract Sent", False, False, 0.9),
    ("closedwon", SALES_PIPELINE, "Closed Won", True, True, 1.0),
    ("closedlost", SALES_PIPELINE, "Closed Lost", False, True, 0.0),
    ("18204774", RENEWAL_PIPELINE, "Renewal due", False, False, 0.6),
    ("18204775", RENEWAL_PIPELINE, "Negotiation", False, False, 0.8),
    ("18204776", RENEWAL_PIPELINE, "Renewed", True, True, 1.0),
    ("18204777", RENEWAL_PIPELINE, "Churned", False, True, 0.0),
]
OPEN_STAGES = {SALES_PIPELINE: ["appointmentscheduled", "qualifiedtobuy", "contractsent"],
               RENEWAL_PIPELINE: ["18204774", "18204775"]}  # fmt: skip
WON_STAGE = {SALES_PIPELINE: "closedwon", RENEWAL_PIPELINE: "18204776"}
LOST_STAGE = {SALES_PIPELINE: "closedlost", RENEWAL_PIPELINE: "18204777"}

# ticket pipeline stages (ticket_pipeline_stage): HubSpot's default support pipeline plus a
# custom closed stage labelled Solved
TICKET_PIPELINE = "0"
TICKET_STAGES = [
    # stage_id, label, is_closed, contract status
    ("1", "New", False, "new"),
    ("2", "Waiting on contact", False, "pending"),
    ("3", "Waiting on us", False, "open"),
    ("4", "Closed", True, "closed"),
    ("61409934", "Solved", True, "solved"),
]
TICKET_PRIORITY = {"urgent": "URGENT", "high": "HIGH", "normal": "MEDIUM", "low": "LOW"}

# hs_buying_role values written for each contract role (read back with var hubspot_contact_roles)
BUYING_ROLES = {
    "sponsor": ["EXECUTIVE_SPONSOR", "DECISION_MAKER", "BUDGET_HOLDER"],
    "champion": ["CHAMPION", "INFLUENCER;CHAMPION"],
    "admin": ["ADMIN"],
    "user": [None, "END_USER", "INFLUENCER"],
}
EMPLOYEES = {"smb": (10, 199), "mid_market": (200, 999), "enterprise": (1000, 20000)}
SEGMENTS = {
    "enterprise": "enterprise",
    "ent": "enterprise",
    "mid_market": "mid_market",
    "midmarket": "mid_market",
    "mid": "mid_market",
    "mm": "mid_market",
    "smb": "smb",
    "small_business": "smb",
    "sme": "smb",
    "small": "smb",
}


def land(frames: Mapping[str, pd.DataFrame], ctx: LandingContext) -> dict[str, pd.DataFrame]:
    """The HubSpot tables of every family ``ctx.shapes`` lands in HubSpot."""
    return _build(frames, ctx)[0]


def equivalent(frames: Mapping[str, pd.DataFrame], ctx: LandingContext) -> dict[str, pd.DataFrame]:
    """The contract frames of those families as the adapter reproduces them."""
    return _build(frames, ctx)[1]


# ---------------------------------------------------------------------------------- helpers


def _latest(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """One row per key: the latest version by _loaded_at (what a connector table holds)."""
    ordered = frame.sort_values("_loaded_at", kind="stable")
    return ordered.drop_duplicates(key, keep="last").reset_index(drop=True)


def _naive_utc(values: object) -> pd.Series:
    """Timestamps as naive UTC (Fivetran lands UTC without a zone)."""
    series = pd.Series(pd.to_datetime(values, utc=True))
    return series.dt.tz_localize(None).astype("datetime64[us]").reset_index(drop=True)


def _midnight(values: object) -> pd.Series:
    """Dates (date objects or None) as naive timestamps at midnight."""
    return (
        pd.Series(pd.to_datetime(pd.Series(values), errors="coerce"))
        .astype("datetime64[us]")
        .reset_index(drop=True)
    )


def _ids(rng: np.random.Generator, n: int, low: int, high: int) -> list[int]:
    """``n`` distinct random ids in [low, high)."""
    out: list[int] = []
    seen: set[int] = set()
    while len(out) < n:
        for value in rng.integers(low, high, size=n - len(out)).tolist():
            if value not in seen:
                seen.add(value)
                out.append(value)
    return out


def _int64(values: object) -> pd.Series:
    return pd.Series(values, dtype="Int64").reset_index(drop=True)


def _flags(values: object) -> pd.Series:
    return pd.Series(values, dtype="boolean").reset_index(drop=True)


def _enum(value: object) -> str | None:
    """A contract enumeration as the base models normalise it."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return re.sub(r"[\s-]+", "_", str(value).strip().lower())


def _segment(value: object) -> str | None:
    key = _enum(value)
    return SEGMENTS.get(key, key) if key is not None else None


def _domain(website: object) -> str | None:
    """Python twin of the normalize_domain macro."""
    if website is None or (isinstance(website, float) and np.isnan(website)):
        return None
    value = str(website).strip().lower()
    if "@" in value:
        host = value.split("@")[1]
    else:
        host = value.replace("https://", "").replace("http://", "").split("/")[0]
    host = host.split(":")[0].split("?")[0]
    if host.startswith("www."):
        host = host[4:]
    return host or None


def _present(value: object) -> bool:
    return (
        value is not None
        and not (isinstance(value, float) and np.isnan(value))
        and value is not pd.NaT
    )


def _split_deleted(rng: np.random.Generator, deleted: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(is_deleted, _fivetran_deleted): a soft delete lands in the v2 flag or the v3 one."""
    deleted = deleted.fillna(False).astype(bool).reset_index(drop=True)
    v2 = rng.random(len(deleted)) < 0.5
    return _flags(deleted & v2), _flags(deleted & ~v2)


# ----------------------------------------------------------------------------------- build


def _build(
    frames: Mapping[str, pd.DataFrame], ctx: LandingContext
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """(connector tables, equivalent contract frames) of the families landed in HubSpot. The
    random choices come from a seed drawn once per landing, so that land() and equivalent()
    agree."""
    state = ctx.id_maps.setdefault(NAME, {})
    if "seed" not in state:
        state["seed"] = str(int(ctx.rng.integers(2**31)))
    rng = np.random.default_rng(int(state["seed"]))
    crm = ctx.shapes.crm == NAME
    support = ctx.shapes.support == NAME
    tables: dict[str, pd.DataFrame] = {}
    equiv: dict[str, pd.DataFrame] = {}

    accounts = _latest(frames["crm.accounts"], "account_id")
    company_ids = dict(
        zip(
            accounts["account_id"],
            _ids(rng, len(accounts), 5_000_000_000, 9_999_999_999),
            strict=True,
        )
    )
    if crm:
        ctx.crm_ids.update({k: str(v) for k, v in company_ids.items()})
    synced_at = _naive_utc(accounts["_loaded_at"]).max()
    tables["owner"], owner_ids = _owners(accounts, rng, synced_at)
    tables["company"], equiv_accounts = _companies(accounts, company_ids, owner_ids, ctx, rng)

    contact_ids: dict[str, int] = {}
    if crm:
        equiv["crm.accounts"] = equiv_accounts
        contacts = _latest(frames["crm.contacts"], "contact_id")
        contact_ids = dict(
            zip(contacts["contact_id"], _ids(rng, len(contacts), 100_000, 999_999_999), strict=True)
        )
        tables["contact"], equiv["crm.contacts"] = _contacts(
            contacts, contact_ids, company_ids, rng
        )
        deal_tables, equiv_deals = _deals(frames, accounts, company_ids, owner_ids, rng)
        tables.update(deal_tables)
        equiv.update(equiv_deals)
        engagement_tables, equiv["crm.activities"] = _engagements(
            frames, accounts, company_ids, contact_ids, owner_ids, rng
        )
        tables.update(engagement_tables)
        sentiment = frames["crm.sentiment"]
        # no standard HubSpot object holds CSM sentiment: the adapter maps none
        equiv["crm.sentiment"] = sentiment.iloc[0:0].copy()
    if support:
        ticket_tables, equiv["support.tickets"] = _tickets(
            frames, accounts, company_ids, contact_ids, crm, rng
        )
        tables.update(ticket_tables)
        if not crm:
            # the portal has its deals even when another system is the CRM (HubSpot's
            # Salesforce sync copies the opportunities): landed, not read
            deal_tables, _ = _deals(frames, accounts, company_ids, {}, rng)
            tables.update(deal_tables)
    return tables, equiv


def _owners(
    accounts: pd.DataFrame, rng: np.random.Generator, synced_at: pd.Timestamp
) -> tuple[pd.DataFrame, dict[str, int]]:
    """HubSpot users owning the companies (the CSMs), plus a queue owner."""
    names = sorted({n for n in accounts["owner_csm"] if isinstance(n, str) and n.strip()})
    ids = _ids(rng, len(names) + 1, 10_000_000, 99_999_999)
    owner_ids = dict(zip(names, ids[: len(names)], strict=True))
    first, last = [], []
    for name in names:
        parts = name.split(" ", 1)
        first.append(parts[0])
        last.append(parts[1] if len(parts) > 1 else None)
    emails = [
        f"{(f or '').lower()}.{re.sub(r'[^a-z]', '', (la or '').lower())}@vendor.example"
        for f, la in zip(first, last, strict=True)
    ]
    n = len(names)
    owners = pd.DataFrame(
        {
            "_fivetran_synced": pd.Series([synced_at] * (n + 1)).astype("datetime64[us]"),
            "active_user_id": _int64([*_ids(rng, n, 1_000_000, 9_999_999), None]),
            "created_at": pd.Series([pd.Timestamp("2021-03-01 09:00:00")] * (n + 1)).astype(
                "datetime64[us]"
            ),
            "email": [*emails, "support@vendor.example"],
            "first_name": [*first, None],
            "last_name": [*last, None],
            "owner_id": _int64(ids),
            "portal_id": _int64([PORTAL_ID] * (n + 1)),
            "type": ["PERSON"] * n + ["QUEUE"],
            "updated_at": pd.Series([synced_at] * (n + 1)).astype("datetime64[us]"),
        }
    )
    return owners, owner_ids


def _companies(
    accounts: pd.DataFrame,
    company_ids: dict[str, int],
    owner_ids: dict[str, int],
    ctx: LandingContext,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The company table, and crm.accounts as the adapter reads it back."""
    a = accounts
    n = len(a)
    crm = ctx.shapes.crm == NAME
    canonical = [_segment(s) for s in a["segment"]]
    # some companies carry no segment property: the adapter falls back to numberofemployees
    fallback = np.array([c in EMPLOYEES for c in canonical]) & (rng.random(n) < 0.15)
    employees = [int(rng.integers(*EMPLOYEES[c])) if c in EMPLOYEES else None for c in canonical]
    segment_property = [None if f else s for f, s in zip(fallback, a["segment"], strict=True)]

    domains = [_domain(w) for w in a["website"]]
    # the website: `domain` on most companies, `website` on some, both on a few
    where = rng.random(n)
    # under another CRM: the CRM id (explicit key) on some, a domain on others, both on a few
    key = rng.random(n)
    explicit = np.zeros(n, dtype=bool) if crm else key < 0.5
    has_domain = np.ones(n, dtype=bool) if crm else key >= 0.35
    domain_property = [
        d if h and r < 0.75 else None for d, h, r in zip(domains, has_domain, where, strict=True)
    ]
    website_property = [
        (f"https://www.{d}" if d else None) if h and r >= 0.6 else None
        for d, h, r in zip(domains, has_domain, where, strict=True)
    ]

    statuses = [_enum(s) for s in a["account_status"]]
    others = rng.choice(np.array(["opportunity", "other", ""], dtype=object), size=n)
    lifecycle = [
        "customer"
        if s in ("active", "customer")
        else "former_customer"
        if s in ("churned", "former_customer", "cancelled", "canceled")
        else (o or None)
        for s, o in zip(statuses, others, strict=True)
    ]
    created = _midnight(a["created_date"])
    since_set = rng.random(n) < 0.7
    hours = pd.to_timedelta(rng.integers(0, 24 * 3600, size=n), unit="s")
    lead_days = pd.to_timedelta(rng.integers(0, 90, size=n), unit="D")
    customer_since = (created + hours).where(since_set)
    createdate = (created + hours - lead_days.where(since_set, pd.Timedelta(0))).astype(
        "datetime64[us]"
    )
    is_deleted, fivetran_deleted = _split_deleted(rng, a["_is_deleted"])
    company = pd.DataFrame(
        {
            "_fivetran_synced": _naive_utc(a["_loaded_at"]),
            "_fivetran_deleted": fivetran_deleted,
            "id": _int64([company_ids[x] for x in a["account_id"]]),
            "is_deleted": is_deleted,
            "property_name": a["account_name"].to_numpy(),
            "property_description": None,
            "property_createdate": createdate,
            "property_industry": [i.upper() if isinstance(i, str) else None for i in a["industry"]],
            "property_country": [
                {"amer": "United States", "emea": "Germany", "apac": "Australia"}.get(r)
                for r in a["region"]
            ],
            "property_domain": domain_property,
            "property_website": website_property,
            "property_hubspot_owner_id": _int64([owner_ids.get(o) for o in a["owner_csm"]]),
            "property_hs_parent_company_id": _int64(
                [company_ids.get(p) for p in a["parent_account_id"]]
            ),
            "property_lifecyclestage": lifecycle,
            "property_hs_lifecyclestage_customer_date": customer_since.astype("datetime64[us]"),
            "property_numberofemployees": _int64(employees),
            # custom properties (their names are vars of the adapter)
            "property_segment": segment_property,
            "property_region": a["region"].to_numpy(),
            "property_churn_date": _midnight(a["churn_date"]),
        }
    )
    if crm:
        company["property_account_number"] = a["account_id"].to_numpy()
    else:
        company["property_salesforceaccountid"] = [
            str(ctx.crm_id(x)) if e else None
            for x, e in zip(a["account_id"], explicit, strict=True)
        ]

    out = a.copy()
    out["segment"] = [
        c if f else s for f, c, s in zip(fallback, canonical, a["segment"], strict=True)
    ]
    out["website"] = [d if (dp or wp) else None for d, dp, wp in
                      zip(domains, domain_property, website_property, strict=True)]  # fmt: skip
    out["account_status"] = [
        {"customer": "active", "former_customer": "churned"}.get(x or "") for x in lifecycle
    ]
    out["parent_account_id"] = [p if p in company_ids else None for p in a["parent_account_id"]]
    out["org_id"] = None
    return company, out


def _contacts(
    contacts: pd.DataFrame,
    contact_ids: dict[str, int],
    company_ids: dict[str, int],
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    c = contacts
    n = len(c)
    roles = [_enum(r) for r in c["role"]]
    buying = [
        BUYING_ROLES[r][int(rng.integers(len(BUYING_ROLES[r])))]
        if r in BUYING_ROLES
        else (str(r).upper() if r else None)
        for r in roles
    ]
    seconds = pd.to_timedelta(rng.integers(0, 24 * 3600, size=n), unit="s")
    merged = [
        ";".join(str(v) for v in rng.integers(100_000, 999_999_999, size=2)) if m else None
        for m in rng.random(n) < 0.02
    ]
    contact = pd.DataFrame(
        {
            "_fivetran_deleted": _flags(c["_is_deleted"]),
            "_fivetran_synced": _naive_utc(c["_loaded_at"]),
            "id": _int64([contact_ids[x] for x in c["contact_id"]]),
            "property_hs_merged_object_ids": merged,
            "property_email": c["email"].to_numpy(),
            "property_phone": c["phone"].to_numpy(),
            "property_company": None,
            "property_createdate": (_midnight(c["active_from"]) + seconds).astype("datetime64[us]"),
            "property_jobtitle": None,
            "property_associatedcompanyid": _int64([company_ids.get(x) for x in c["account_id"]]),
            "property_hs_buying_role": buying,
            # custom: the day the contact left the company (or the role)
            "property_left_company_date": _midnight(c["active_to"]),
        }
    )
    out = c.copy()
    out["contact_id"] = [str(contact_ids[x]) for x in c["contact_id"]]
    out["account_id"] = [x if x in company_ids else None for x in c["account_id"]]
    # a contact with no buying role, or one the adapter does not know, is a user
    out["role"] = [r if r in BUYING_ROLES else "user" for r in roles]
    out["org_id"] = None
    return contact, out


def _deals(
    frames: Mapping[str, pd.DataFrame],
    accounts: pd.DataFrame,
    company_ids: dict[str, int],
    owner_ids: dict[str, int],
    rng: np.random.Generator,
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Deals: one per contract term (closed won) and per renewal or expansion opportunity, a
    won renewal and the term it starts being the same deal; and crm.contracts and
    crm.opportunities as the adapter derives them from the deals."""
    contracts = _latest(frames["crm.contracts"], "contract_id")
    opportunities = _latest(frames["crm.opportunities"], "opportunity_id")
    names = dict(zip(accounts["account_id"], accounts["account_name"], strict=True))
    owners = dict(zip(accounts["account_id"], accounts["owner_csm"], strict=True))
    parents = dict(zip(accounts["account_id"], accounts["parent_account_id"], strict=True))

    terms: dict[tuple, list[int]] = {}
    for i, k in contracts.iterrows():
        terms.setdefault((k["account_id"], str(k["start_date"])), []).append(i)
    used: set[int] = set()
    deals: list[dict] = []
    for _, o in opportunities.iterrows():
        kind = _enum(o["opportunity_type"])
        stage = _enum(o["stage"])
        term = None
        if kind == "renewal" and stage == "closed_won":
            for i in terms.get((o["account_id"], str(o["close_date"])), []):
                k = contracts.loc[i]
                if (
                    i not in used
                    and k["currency"] == o["currency"]
                    and k["arr_amount"] == o["amount"]
                ):
                    term = k
                    used.add(i)
                    break
        deals.append(
            {
                "account_id": o["account_id"],
                "dealtype": "existingbusiness" if kind == "renewal" else "upsell",
                "pipeline": RENEWAL_PIPELINE if kind == "renewal" else SALES_PIPELINE,
                "stage": stage,
                "closedate": o["close_date"],
                "amount": o["amount"],
                "previous": o["previous_amount"],
                "currency": o["currency"],
                "end": term["end_date"] if term is not None else None,
                "renewal": term["renewal_date"] if term is not None else None,
                "deleted": bool(o["_is_deleted"])
                or (term is not None and bool(term["_is_deleted"])),
                "loaded": max(o["_loaded_at"], term["_loaded_at"])
                if term is not None
                else o["_loaded_at"],
            }
        )
    for i, k in contracts.iterrows():
        if i in used:
            continue
        deals.append(
            {
                "account_id": k["account_id"],
                "dealtype": "newbusiness",
                "pipeline": SALES_PIPELINE,
                "stage": "closed_won",
                "closedate": k["start_date"],
                "amount": k["arr_amount"],
                "previous": None,
                "currency": k["currency"],
                "end": k["end_date"],
                "renewal": k["renewal_date"],
                "deleted": bool(k["_is_deleted"]),
                "loaded": k["_loaded_at"],
            }
        )
    d = pd.DataFrame(deals)
    n = len(d)
    d["deal_id"] = _ids(rng, n, 10_000_000_000, 39_999_999_999)
    closedate = _midnight(d["closedate"])
    d["start"] = closedate
    # the term's end and renewal dates are custom properties; without them the adapter takes a
    # 12-month term, so they are left out where that gives the same dates
    fallback_end = closedate + pd.DateOffset(months=TERM_MONTHS) - pd.Timedelta(days=1)
    end = _midnight(d["end"])
    renewal = _midnight(d["renewal"])
    keep_end = end.notna() & ((end != fallback_end) | (rng.random(n) < 0.6))
    end_read = end.where(keep_end, fallback_end)
    keep_renewal = renewal.notna() & (
        (renewal != end_read + pd.Timedelta(days=1)) | (rng.random(n) < 0.6)
    )
    stage_ids = []
    for stage, pipeline in zip(d["stage"], d["pipeline"], strict=True):
        if stage == "closed_won":
            stage_ids.append(WON_STAGE[pipeline])
        elif stage == "closed_lost":
            stage_ids.append(LOST_STAGE[pipeline])
        else:
            stage_ids.append(str(rng.choice(OPEN_STAGES[pipeline])))
    is_deleted, fivetran_deleted = _split_deleted(rng, d["deleted"])
    single_currency = (d["currency"] == "USD") & (rng.random(n) < 0.5)
    hours = pd.to_timedelta(rng.integers(0, 24 * 3600, size=n), unit="s")
    deal = pd.DataFrame(
        {
            "_fivetran_synced": _naive_utc(d["loaded"]),
            "_fivetran_deleted": fivetran_deleted,
            "deal_id": _int64(d["deal_id"]),
            "deal_pipeline_id": d["pipeline"],
            "deal_pipeline_stage_id": stage_ids,
            "is_deleted": is_deleted,
            "owner_id": _int64([owner_ids.get(owners.get(a)) for a in d["account_id"]]),
            "portal_id": _int64([PORTAL_ID] * n),
            "property_dealname": [
                f"{names.get(a, a)} - {t} {c}"
                for a, t, c in zip(d["account_id"], d["dealtype"], closedate.dt.year, strict=True)
            ],
            "property_description": None,
            "property_amount": d["amount"].astype(float),
            "property_closedate": (closedate + hours).astype("datetime64[us]"),
            "property_createdate": (
                closedate - pd.to_timedelta(rng.integers(20, 120, size=n), unit="D")
            ).astype("datetime64[us]"),
            "property_dealtype": d["dealtype"],
            # a single-currency portal leaves the code empty: the adapter reads hubspot_currency
            "property_deal_currency_code": d["currency"].where(~single_currency, None),
            # custom properties
            "property_previous_arr": pd.to_numeric(d["previous"], errors="coerce").astype(float),
            "property_contract_end_date": end.where(keep_end),
            "property_renewal_date": renewal.where(keep_renewal),
        }
    )
    links = []
    for deal_id, account_id, loaded in zip(
        d["deal_id"], d["account_id"], deal["_fivetran_synced"], strict=True
    ):
        if account_id in company_ids:
            links.append((deal_id, company_ids[account_id], 5, loaded))
            parent = parents.get(account_id)
            if isinstance(parent, str) and parent in company_ids:
                # also linked to the parent company, as a non-primary association
                links.append((deal_id, company_ids[parent], 341, loaded))
    deal_company = pd.DataFrame(
        links, columns=["deal_id", "company_id", "type_id", "_fivetran_synced"]
    )
    deal_company = deal_company.assign(category="HUBSPOT_DEFINED")
    for col in ("deal_id", "company_id", "type_id"):
        deal_company[col] = deal_company[col].astype("Int64")
    deal_company["_fivetran_synced"] = deal_company["_fivetran_synced"].astype("datetime64[us]")
    synced = deal["_fivetran_synced"].max()
    stages = pd.DataFrame(
        DEAL_STAGES,
        columns=["stage_id", "pipeline_id", "label", "closed_won", "is_closed", "probability"],
    ).assign(
        _fivetran_deleted=False,
        _fivetran_synced=synced,
        active=True,
        display_order=lambda f: range(len(f)),
        created_at=pd.Timestamp("2021-03-01 09:00:00"),
        updated_at=pd.Timestamp("2021-03-01 09:00:00"),
    )
    stages["display_order"] = stages["display_order"].astype("Int64")
    for col in ("_fivetran_synced", "created_at", "updated_at"):
        stages[col] = stages[col].astype("datetime64[us]")

    # what the adapter reads back
    d["deal_key"] = d["deal_id"].astype(str)
    d["account_read"] = [a if a in company_ids else None for a in d["account_id"]]
    d["end_read"] = end_read
    d["renewal_read"] = renewal.where(keep_renewal, end_read + pd.Timedelta(days=1))
    d["loaded_at"] = pd.to_datetime(d["loaded"], utc=True)
    kinds = d["dealtype"].map({"existingbusiness": "renewal", "upsell": "expansion"})
    opps = d[kinds.notna()]
    columns = list(frames["crm.opportunities"].columns)
    equiv_opps = pd.DataFrame(
        {
            "opportunity_id": opps["deal_key"],
            "account_id": opps["account_read"],
            "opportunity_type": kinds[kinds.notna()],
            "stage": opps["stage"],
            "close_date": [x.date() for x in closedate[kinds.notna()]],
            "amount": opps["amount"].astype(float),
            "previous_amount": pd.to_numeric(opps["previous"], errors="coerce").astype(float),
            "currency": opps["currency"],
            "org_id": None,
            "_loaded_at": opps["loaded_at"],
            "_is_deleted": opps["deleted"].astype(bool),
        }
    )[columns].reset_index(drop=True)
    equiv_contracts = _contract_terms(d, kinds, frames["crm.contracts"].columns)
    tables = {"deal": deal, "deal_company": deal_company, "deal_pipeline_stage": stages}
    return tables, {"crm.opportunities": equiv_opps, "crm.contracts": equiv_contracts}


def _contract_terms(d: pd.DataFrame, kinds: pd.Series, columns: pd.Index) -> pd.DataFrame:
    """crm.contracts as the adapter derives them: each closed-won deal that is not an
    expansion is a term; its status from the deals that follow it (the same rules as
    stg_hubspot__contract_contracts)."""
    grace = pd.Timedelta(days=GRACE_DAYS)
    is_term = (d["stage"] == "closed_won") & (kinds != "expansion")
    terms = d[is_term]
    live = terms[~terms["deleted"].astype(bool)]
    lost = d[(kinds == "renewal") & (d["stage"] == "closed_lost") & ~d["deleted"].astype(bool)]
    statuses = []
    for _, t in terms.iterrows():
        limit = t["renewal_read"] + grace
        later = live[
            (live["account_read"] == t["account_read"])
            & (live["deal_key"] != t["deal_key"])
            & (live["start"] > t["start"])
        ]
        losses = lost[
            (lost["account_read"] == t["account_read"])
            & (lost["start"] > t["start"])
            & (lost["start"] <= limit)
        ]
        if (later["start"] <= limit).any():
            statuses.append("renewed")
        elif len(losses):
            statuses.append("churned")
        elif len(later):
            statuses.append("expired")
        else:
            statuses.append("active")
    out = pd.DataFrame(
        {
            "contract_id": terms["deal_key"],
            "account_id": terms["account_read"],
            "start_date": [x.date() for x in terms["start"]],
            "end_date": [x.date() for x in terms["end_read"]],
            "renewal_date": [x.date() for x in terms["renewal_read"]],
            "arr_amount": terms["amount"].astype(float),
            "currency": terms["currency"],
            "status": statuses,
            "org_id": None,
            "_loaded_at": terms["loaded_at"],
            "_is_deleted": terms["deleted"].astype(bool),
        }
    )
    return out[list(columns)].reset_index(drop=True)


MEETING_OUTCOMES = {"held": "COMPLETED", "cancelled": "CANCELED", "no_show": "NO_SHOW"}
ASSOCIATION_TYPES = {"MEETING": 188, "CALL": 182, "EMAIL": 186, "NOTE": 190, "TASK": 204}


def _engagements(
    frames: Mapping[str, pd.DataFrame],
    accounts: pd.DataFrame,
    company_ids: dict[str, int],
    contact_ids: dict[str, int],
    owner_ids: dict[str, int],
    rng: np.random.Generator,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Meetings, calls and emails in the older layout (``engagement`` holds type, timestamp
    and owner; ``engagement_meeting`` start/end/outcome without prefix) or the v3 one
    (``property_hs_*`` on the type tables), with their company and contact links; plus
    engagements that are not activities (notes, tasks, unanswered calls) and meetings logged
    without a company."""
    acts = _latest(frames["crm.activities"], "activity_id")
    owners = dict(zip(accounts["account_id"], accounts["owner_csm"], strict=True))
    extra = {"NOTE": 8, "TASK": 6, "UNANSWERED": 10, "NO_COMPANY": 4}
    n = len(acts)
    total = n + sum(extra.values())
    ids = _ids(rng, total, 10_000_000_000, 99_999_999_999)
    at = _naive_utc(acts["occurred_at"])
    synced = _naive_utc(acts["_loaded_at"])
    picks = rng.integers(0, n, size=total - n)
    rows = pd.DataFrame(
        {
            "id": ids,
            "type": [str(t).upper() for t in acts["activity_type"]]
            + ["NOTE"] * extra["NOTE"]
            + ["TASK"] * extra["TASK"]
            + ["CALL"] * extra["UNANSWERED"]
            + ["MEETING"] * extra["NO_COMPANY"],
            "outcome": [_enum(o) for o in acts["outcome"]] + [None] * (total - n),
            "account_id": list(acts["account_id"])
            + [acts["account_id"].iloc[p] for p in picks[: total - n - extra["NO_COMPANY"]]]
            + [None] * extra["NO_COMPANY"],
            "contact_id": list(acts["contact_id"]) + [None] * (total - n),
            "at": pd.concat([at, at.iloc[picks]], ignore_index=True),
            "synced": pd.concat([synced, synced.iloc[picks]], ignore_index=True),
            "deleted": list(acts["_is_deleted"].astype(bool)) + [False] * (total - n),
            "kind": ["activity"] * n
            + ["note"] * extra["NOTE"]
            + ["task"] * extra["TASK"]
            + ["unanswered"] * extra["UNANSWERED"]
            + ["no_company"] * extra["NO_COMPANY"],
        }
    )
    rows["v2"] = (rng.random(total) < 0.4) & (rows["kind"] == "activity")
    rows["owner"] = [owner_ids.get(owners.get(a)) for a in rows["account_id"]]
    created = (rows["at"] - pd.to_timedelta(rng.integers(60, 10 * 86400, size=total), "s")).astype(
        "datetime64[us]"
    )
    v2 = rows["v2"]

    engagement = pd.DataFrame(
        {
            "_fivetran_synced": rows["synced"],
            "id": _int64(rows["id"]),
            "portal_id": _int64([PORTAL_ID] * total),
            "type": rows["type"],
            "active": _flags(v2.where(v2, None)),
            "created_at": created.where(v2),
            "owner_id": _int64(rows["owner"]).where(v2),
            "timestamp": rows["at"].where(v2),
        }
    )

    def type_rows(kind: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        mask = (rows["type"] == kind) & ~rows["kind"].isin(["note", "task"])
        part = rows[mask].reset_index(drop=True)
        v3_part = ~part["v2"]
        table = pd.DataFrame(
            {
                "_fivetran_synced": part["synced"],
                "_fivetran_deleted": _flags(part["deleted"]),
                "type": kind,
                "engagement_id": _int64(part["id"]),
                "property_hs_createdate": created[mask].reset_index(drop=True).where(v3_part),
                "property_hs_timestamp": part["at"].where(v3_part),
                "property_hubspot_owner_id": _int64(part["owner"]).where(v3_part),
                "property_hubspot_team_id": _int64([None] * len(part)),
            }
        )
        return table, part

    meeting, part = type_rows("MEETING")
    outcome = []
    for o, k in zip(part["outcome"], part["kind"], strict=True):
        if k == "no_company":
            outcome.append("COMPLETED")
        elif o == "cancelled" and rng.random() < 0.2:
            outcome.append("RESCHEDULED")  # read as cancelled: that slot did not take place
        else:
            outcome.append(MEETING_OUTCOMES.get(o, str(o).upper()))
    outcome = pd.Series(outcome, dtype=object)
    v2m = part["v2"]
    start = part["at"]
    end = (start + pd.to_timedelta(rng.choice([30, 45, 60], size=len(part)), "m")).astype(
        "datetime64[us]"
    )
    meeting["property_hs_meeting_outcome"] = outcome.where(~v2m, None)
    # the v3 start time is set on most meetings (the adapter falls back to hs_timestamp)
    meeting["property_hs_meeting_start_time"] = start.where(~v2m & (rng.random(len(part)) < 0.7))
    meeting["property_hs_meeting_end_time"] = end.where(~v2m)
    meeting["start_time"] = start.where(v2m)
    meeting["end_time"] = end.where(v2m)
    meeting["meeting_outcome"] = outcome.where(v2m, None)
    meeting["title"] = pd.Series(
        rng.choice(["QBR", "Onboarding check-in", "Roadmap review", "Renewal call"], len(part)),
        dtype=object,
    ).where(v2m, None)

    call, part = type_rows("CALL")
    status = np.where(rng.random(len(part)) < 0.85, "COMPLETED", None).astype(object)
    unanswered = (part["kind"] == "unanswered").to_numpy()
    status[unanswered] = rng.choice(["NO_ANSWER", "BUSY", "FAILED"], int(unanswered.sum()))
    call["property_hs_call_status"] = pd.Series(status, dtype=object).where(~part["v2"], None)
    call["property_hs_call_duration"] = _int64(
        rng.integers(60_000, 1_800_000, size=len(part))
    ).where(~part["v2"])

    email, part = type_rows("EMAIL")
    email["property_hs_email_subject"] = pd.Series(
        rng.choice(["Following up", "Your renewal", "Release notes", "Re: open ticket"], len(part)),
        dtype=object,
    ).where(~part["v2"], None)
    email["property_hs_email_text"] = None

    linked = rows[rows["account_id"].isin(company_ids.keys())]
    engagement_company = pd.DataFrame(
        {
            "_fivetran_synced": linked["synced"].to_numpy(),
            "company_id": _int64([company_ids[a] for a in linked["account_id"]]).to_numpy(),
            "engagement_id": _int64(linked["id"]).to_numpy(),
            "category": "HUBSPOT_DEFINED",
            "engagement_type": linked["type"].to_numpy(),
            "type_id": _int64([ASSOCIATION_TYPES[t] for t in linked["type"]]).to_numpy(),
        }
    )
    with_contact = rows[rows["contact_id"].isin(contact_ids.keys())]
    engagement_contact = pd.DataFrame(
        {
            "_fivetran_synced": with_contact["synced"].to_numpy(),
            "contact_id": _int64([contact_ids[c] for c in with_contact["contact_id"]]).to_numpy(),
            "engagement_id": _int64(with_contact["id"]).to_numpy(),
            "category": "HUBSPOT_DEFINED",
            "type_id": _int64([200] * len(with_contact)).to_numpy(),
        }
    )

    out = acts.copy()
    out["activity_id"] = [str(i) for i in ids[:n]]
    out["account_id"] = [a if a in company_ids else None for a in acts["account_id"]]
    out["contact_id"] = [
        str(contact_ids[c]) if c in contact_ids else None for c in acts["contact_id"]
    ]
    out["org_id"] = None
    tables = {
        "engagement": engagement,
        "engagement_meeting": meeting,
        "engagement_call": call,
        "engagement_email": email,
        "engagement_company": engagement_company,
        "engagement_contact": engagement_contact,
    }
    return tables, out


def _tickets(
    frames: Mapping[str, pd.DataFrame],
    accounts: pd.DataFrame,
    company_ids: dict[str, int],
    contact_ids: dict[str, int],
    crm: bool,
    rng: np.random.Generator,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Tickets, their company and contact links and the support pipeline's stages; plus a few
    tickets logged without a company."""
    t = _latest(frames["support.tickets"], "ticket_id")
    n = len(t)
    orphans = 3
    ids = _ids(rng, n + orphans, 1_000_000_000, 9_999_999_999)
    picks = rng.integers(0, n, size=orphans)
    t_all = pd.concat([t, t.iloc[picks]], ignore_index=True)
    stage_of = {status: stage for stage, _, _, status in TICKET_STAGES}
    statuses = [_enum(s) for s in t_all["status"]]
    priorities = [_enum(p) for p in t_all["priority"]]
    is_deleted, fivetran_deleted = _split_deleted(rng, t_all["_is_deleted"])
    synced = _naive_utc(t_all["_loaded_at"])
    ticket = pd.DataFrame(
        {
            "_fivetran_synced": synced,
            "id": _int64(ids),
            "_fivetran_deleted": fivetran_deleted,
            "is_deleted": is_deleted,
            "property_closed_date": _naive_utc(t_all["solved_at"]),
            "property_createdate": _naive_utc(t_all["created_at"]),
            "property_first_agent_reply_date": _naive_utc(t_all["first_response_at"]),
            "property_hs_pipeline": TICKET_PIPELINE,
            "property_hs_pipeline_stage": [stage_of.get(s, s) for s in statuses],
            "property_hs_ticket_category": rng.choice(
                np.array(["PRODUCT_ISSUE", "BILLING_ISSUE", "FEATURE_REQUEST", None], dtype=object),
                n + orphans,
            ),
            "property_hs_ticket_priority": [
                TICKET_PRIORITY.get(p, p.upper() if p else None) for p in priorities
            ],
            "property_hubspot_owner_id": _int64([None] * (n + orphans)),
            "property_subject": t_all["subject"].to_numpy(),
            "property_content": None,
        }
    )
    linked = [i for i in range(n) if t["account_id"].iloc[i] in company_ids]
    ticket_company = pd.DataFrame(
        {
            "_fivetran_synced": synced.iloc[linked].to_numpy(),
            "ticket_id": _int64([ids[i] for i in linked]).to_numpy(),
            "company_id": _int64([company_ids[t["account_id"].iloc[i]] for i in linked]).to_numpy(),
            "category": "HUBSPOT_DEFINED",
        }
    )
    tables = {"ticket": ticket, "ticket_company": ticket_company}
    stages = pd.DataFrame(
        [(s, TICKET_PIPELINE, label, closed) for s, label, closed, _ in TICKET_STAGES],
        columns=["stage_id", "pipeline_id", "label", "is_closed"],
    )
    stages["ticket_state"] = np.where(stages["is_closed"], "CLOSED", "OPEN")
    stages["display_order"] = pd.Series(range(len(stages)), dtype="Int64")
    stages["_fivetran_deleted"] = False
    stages["_fivetran_synced"] = pd.Series([synced.max()] * len(stages)).astype("datetime64[us]")
    tables["ticket_pipeline_stage"] = stages

    requester = [contact_ids.get(r) if crm else None for r in t["requester_id"]]
    if crm:
        with_contact = [i for i in range(n) if requester[i] is not None]
        tables["ticket_contact"] = pd.DataFrame(
            {
                "_fivetran_synced": synced.iloc[with_contact].to_numpy(),
                "ticket_id": _int64([ids[i] for i in with_contact]).to_numpy(),
                "contact_id": _int64([requester[i] for i in with_contact]).to_numpy(),
                "category": "HUBSPOT_DEFINED",
            }
        )

    out = t.copy()
    out["ticket_id"] = [str(i) for i in ids[:n]]
    out["requester_id"] = [str(r) if r is not None else None for r in requester]
    if crm:
        out["account_id"] = [a if a in company_ids else None for a in t["account_id"]]
    else:
        # the identity map leaves the company of a deleted CRM account unmatched: its tickets
        # are quarantined (unmatched_identity) instead of staged
        deleted = set(accounts.loc[accounts["_is_deleted"].astype(bool), "account_id"])
        out["account_id"] = [None if a in deleted else a for a in t["account_id"]]
    # HubSpot tickets carry no reopen count and no CSAT (feedback surveys are another object)
    out["reopened_count"] = pd.Series([pd.NA] * n, dtype="Int64")
    out["csat_score"] = pd.Series([pd.NA] * n, dtype="Int64")
    out["org_id"] = None
    return tables, out
