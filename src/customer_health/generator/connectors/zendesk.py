"""Zendesk Support as the Fivetran connector lands it (docs/connectors/zendesk.md).

Lands the book's ``support.tickets`` in the tables the adapter in ``models/staging/zendesk/``
reads: ``ticket``, ``organization``, ``domain_name``, ``user``, ``ticket_field_history`` and
``ticket_comment``. One row per id (the latest contract version of each ticket; Zendesk has no
history mode), with the connector's quirks:

- bigint ids everywhere (tickets, organizations, users, comments), timestamps in whole seconds
  (the Zendesk API's precision), naive UTC; ``_fivetran_synced`` is the contract's
  ``_loaded_at``;
- the CRM account reaches a ticket only through its organization: some organizations carry the
  CRM id in ``external_id`` (a few in both ways), the others only their website's domain in
  ``domain_name`` (sometimes upper-cased, sometimes next to a mail domain no CRM account has,
  sometimes with a stray legacy ``external_id`` that is no CRM id); a few tickets have no
  ``organization_id`` and reach it through their requester's;
- requesters are Zendesk users whose ``external_id`` is the CRM contact id; a ticket without a
  contract requester is asked by the organization's shared mailbox user (no external id), whose
  Zendesk id becomes the requester id;
- ``priority`` is often null for normal tickets (the adapter's default priority), some open
  tickets are ``hold``; a deleted ticket shows ``status = 'deleted'`` or ``_fivetran_deleted``;
- first reply: the first public comment by an agent after creation (internal notes and the
  requester's own follow-ups come earlier; some replies are by an agent deactivated since, whose
  role turned back into ``end-user``);
- solved time, reopens and CSAT live in ``ticket_field_history``: ``status`` changes (reopens
  are solved -> open cycles; closed follows solved), ``satisfaction_score`` rows (``offered``,
  then ``good``/``bad``, a few ratings flipped, some surveys never answered), and ``priority``
  rows the adapter does not read;
- a few tickets have a duplicate merged into them (``merged_ticket_ids`` on the survivor; the
  merged one is closed and not counted).

CSAT is good/bad in Zendesk: the adapter maps good to 5 and bad to 1 (vars), so the equivalent
contract carries those scores (a contract score of 4 or 5 is landed good, 1 to 3 bad).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from customer_health.generator.connectors import LandingContext

NAME = "zendesk"
FAMILY = "support"

# the adapter's defaults (vars zendesk_csat_good_score, zendesk_csat_bad_score)
CSAT_GOOD_SCORE = 5
CSAT_BAD_SCORE = 1
# contract scores landed as a good rating
CSAT_GOOD_FROM = 4

TICKET_ID_BASE = 1000
ORG_ID_BASE = 360_000_000_000
AGENT_ID_BASE = 370_000_000_000
USER_ID_BASE = 380_000_000_000
MAILBOX_ID_BASE = 390_000_000_000
COMMENT_ID_BASE = 5_000_000_000
N_AGENTS = 6

# quirk shares
ORG_LINK_SHARES = {"explicit": 0.45, "domain": 0.40, "both": 0.15}
LEGACY_EXTERNAL_ID_SHARE = 0.2  # of domain-only organizations
UPPER_DOMAIN_SHARE = 0.2
MAIL_DOMAIN_SHARE = 0.5
TICKET_WITHOUT_ORG_SHARE = 0.08
NULL_NORMAL_PRIORITY_SHARE = 0.3
HOLD_SHARE = 0.3  # of open tickets
INTERNAL_NOTE_SHARE = 0.3
REQUESTER_FOLLOW_UP_SHARE = 0.2
DEACTIVATED_AGENT_SHARE = 0.1
CSAT_FLIP_SHARE = 0.1
OFFERED_UNANSWERED_SHARE = 0.4
UNOFFERED_SHARE = 0.1
MERGED_SHARE = 0.02
DELETED_USER_SHARE = 0.03

SECOND = pd.Timedelta(seconds=1)


def _latest(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """One row per key: the latest ``_loaded_at`` wins, as in the base models."""
    return (
        frame.sort_values([key, "_loaded_at"], kind="stable")
        .drop_duplicates(key, keep="last")
        .reset_index(drop=True)
    )


def _naive(s: pd.Series) -> pd.Series:
    """UTC timestamps without a zone (datetime64[us]), as Fivetran lands them."""
    s = pd.to_datetime(s, utc=True)
    return s.dt.tz_convert(None).astype("datetime64[us]")


def _seconds(s: pd.Series) -> pd.Series:
    """Whole seconds (the Zendesk API's precision), naive UTC."""
    return _naive(s).dt.floor("s")


def _domain(website: object) -> object:
    if not isinstance(website, str) or not website.strip():
        return None
    host = website.strip().lower().split("://")[-1].split("/")[0].split(":")[0]
    return host[4:] if host.startswith("www.") else host or None


@dataclass
class _Book:
    """What land() and equivalent() share, derived without randomness."""

    tickets: pd.DataFrame  # latest contract versions, with zendesk ids and second timestamps
    accounts: pd.DataFrame  # accounts with tickets: account_id, org id, name, website, ...
    contacts: pd.DataFrame  # requesters: contact_id, user id, email, account_id


def _book(frames: Mapping[str, pd.DataFrame]) -> _Book:
    tickets = _latest(frames["support.tickets"], "ticket_id")
    tickets = tickets.sort_values("ticket_id", kind="stable").reset_index(drop=True)
    tickets["zendesk_id"] = TICKET_ID_BASE + np.arange(len(tickets), dtype=np.int64)
    tickets["created_s"] = _seconds(tickets["created_at"])
    tickets["first_s"] = _seconds(tickets["first_response_at"])
    # a reply within the ticket's first second still comes after it
    same = tickets["first_s"].notna() & (tickets["first_s"] <= tickets["created_s"])
    tickets.loc[same, "first_s"] = tickets.loc[same, "created_s"] + SECOND
    tickets["solved_s"] = _seconds(tickets["solved_at"])
    start = tickets["first_s"].fillna(tickets["created_s"])
    early = tickets["solved_s"].notna() & (tickets["solved_s"] <= start)
    tickets.loc[early, "solved_s"] = start[early] + SECOND
    tickets["synced"] = _naive(tickets["_loaded_at"])

    crm = _latest(frames["crm.accounts"], "account_id")
    used = sorted(tickets["account_id"].dropna().unique())
    accounts = crm.set_index("account_id").reindex(used).reset_index()
    accounts["org_id"] = ORG_ID_BASE + np.arange(len(accounts), dtype=np.int64) * 1009
    accounts["domain"] = accounts["website"].map(_domain)

    contacts = _latest(frames["crm.contacts"], "contact_id")
    asked = sorted(tickets["requester_id"].dropna().unique())
    contacts = contacts.set_index("contact_id").reindex(asked).reset_index()
    contacts["user_id"] = USER_ID_BASE + np.arange(len(contacts), dtype=np.int64) * 13
    return _Book(tickets, accounts, contacts)


def _mailbox_id(org_position: int) -> int:
    return MAILBOX_ID_BASE + org_position


def land(frames: Mapping[str, pd.DataFrame], ctx: LandingContext) -> dict[str, pd.DataFrame]:
    rng = ctx.rng
    book = _book(frames)
    tickets, accounts, contacts = book.tickets.copy(), book.accounts.copy(), book.contacts.copy()
    org_of_account = dict(zip(accounts["account_id"], accounts["org_id"], strict=True))
    org_pos = {a: i for i, a in enumerate(accounts["account_id"])}
    synced_of_account = tickets.groupby("account_id")["synced"].max()

    # ---------------------------------------------------------------- organizations
    n_org = len(accounts)
    link = rng.choice(list(ORG_LINK_SHARES), n_org, p=list(ORG_LINK_SHARES.values()))
    deleted_account = accounts["_is_deleted"].fillna(False).astype(bool).to_numpy()
    no_domain = accounts["domain"].isna().to_numpy()
    link = np.where(deleted_account | no_domain, "explicit", link)
    external = np.where(
        link != "domain",
        np.array([ctx.crm_id(a) for a in accounts["account_id"]], dtype=object),
        None,
    ).astype(object)
    legacy = (link == "domain") & (rng.random(n_org) < LEGACY_EXTERNAL_ID_SHARE)
    external[legacy] = [f"legacy-{i:05d}" for i in np.flatnonzero(legacy)]
    org_synced = accounts["account_id"].map(synced_of_account)
    organization = pd.DataFrame(
        {
            "id": pd.array(accounts["org_id"], dtype="Int64"),
            "name": accounts["account_name"].astype(object),
            "external_id": external,
            "details": None,
            "notes": None,
            "group_id": pd.array([None] * n_org, dtype="Int64"),
            "shared_comments": False,
            "shared_tickets": np.zeros(n_org, dtype=bool),
            "created_at": _seconds(pd.to_datetime(accounts["created_date"]).dt.tz_localize("UTC")),
            "updated_at": org_synced.dt.floor("s"),
            "url": [
                f"https://demo.zendesk.com/api/v2/organizations/{i}.json"
                for i in accounts["org_id"]
            ],
            "_fivetran_synced": org_synced,
        }
    )

    # ---------------------------------------------------------------- domain_name
    rows = []
    for i, acct in accounts.iterrows():
        if link[i] == "explicit" or acct["domain"] is None:
            continue
        domain = acct["domain"]
        # upper-cased: only ASCII ones (Postgres under the C locale lower-cases ASCII only)
        if rng.random() < UPPER_DOMAIN_SHARE and domain.isascii():
            domain = domain.upper()
        rows.append((acct["org_id"], domain, 0))
        emails = contacts.loc[contacts["account_id"] == acct["account_id"], "email"].dropna()
        if len(emails) and rng.random() < MAIL_DOMAIN_SHARE:
            rows.append((acct["org_id"], emails.iloc[0].split("@")[-1], 1))
    domain_name = pd.DataFrame(rows, columns=["organization_id", "domain_name", "index"])
    domain_name["organization_id"] = domain_name["organization_id"].astype("Int64")
    domain_name["index"] = domain_name["index"].astype("Int64")

    # ---------------------------------------------------------------- users
    agent_ids = AGENT_ID_BASE + np.arange(N_AGENTS, dtype=np.int64)
    deactivated_id = AGENT_ID_BASE + N_AGENTS
    first_synced = tickets["synced"].min()
    agents = pd.DataFrame(
        {
            "id": np.append(agent_ids, deactivated_id),
            "name": [f"Agent {k + 1}" for k in range(N_AGENTS)] + ["Former agent"],
            "email": [f"agent{k + 1}@support.vendor.example" for k in range(N_AGENTS)]
            + ["former.agent@support.vendor.example"],
            "external_id": None,
            "organization_id": pd.array([None] * (N_AGENTS + 1), dtype="Int64"),
            "role": ["admin"] + ["agent"] * (N_AGENTS - 1) + ["end-user"],
            "active": [True] * N_AGENTS + [False],
            "_fivetran_deleted": False,
        }
    )
    requesters = pd.DataFrame(
        {
            "id": contacts["user_id"].to_numpy(),
            "name": [f"Customer {c}" for c in contacts["contact_id"]],
            "email": contacts["email"].astype(object),
            "external_id": contacts["contact_id"].astype(object),
            "organization_id": pd.array(contacts["account_id"].map(org_of_account), dtype="Int64"),
            "role": "end-user",
            "active": True,
            "_fivetran_deleted": False,
        }
    )
    gone = rng.random(len(requesters)) < DELETED_USER_SHARE
    requesters.loc[gone, "_fivetran_deleted"] = True
    requesters.loc[gone, "active"] = False
    mail_domain = {
        a: (grp.dropna().iloc[0].split("@")[-1] if grp.notna().any() else None)
        for a, grp in contacts.groupby("account_id")["email"]
    }
    mailboxes = pd.DataFrame(
        {
            "id": [_mailbox_id(org_pos[a]) for a in accounts["account_id"]],
            "name": [f"{n} support mailbox" for n in accounts["account_name"]],
            "email": [
                f"it-support@{mail_domain.get(a) or d or 'unknown.invalid'}"
                for a, d in zip(accounts["account_id"], accounts["domain"], strict=True)
            ],
            "external_id": None,
            "organization_id": pd.array(accounts["org_id"], dtype="Int64"),
            "role": "end-user",
            "active": True,
            "_fivetran_deleted": False,
        }
    )
    user = pd.concat([agents, requesters, mailboxes], ignore_index=True)
    user["id"] = user["id"].astype("Int64")
    user["created_at"] = (first_synced - pd.Timedelta(days=365)).floor("s")
    user["updated_at"] = first_synced.floor("s")
    user["locale"] = "en-US"
    user["time_zone"] = "UTC"
    user["suspended"] = False
    user["_fivetran_synced"] = tickets["synced"].max()
    user["active"] = user["active"].astype(bool)
    user["_fivetran_deleted"] = user["_fivetran_deleted"].astype(bool)

    # ---------------------------------------------------------------- tickets
    n = len(tickets)
    requester = np.where(
        tickets["requester_id"].notna(),
        tickets["requester_id"].map(
            dict(zip(contacts["contact_id"], contacts["user_id"], strict=True))
        ),
        tickets["account_id"].map(lambda a: _mailbox_id(org_pos[a])),
    ).astype(np.int64)
    org = tickets["account_id"].map(org_of_account).astype("Int64")
    # a few tickets only through the requester's organization (never a deleted user's)
    requester_live = (
        ~pd.Series(requester).isin(user.loc[user["_fivetran_deleted"], "id"]).to_numpy()
    )
    no_org = (rng.random(n) < TICKET_WITHOUT_ORG_SHARE) & requester_live
    org[no_org] = pd.NA
    priority = tickets["priority"].astype(object).to_numpy().copy()
    priority[(priority == "normal") & (rng.random(n) < NULL_NORMAL_PRIORITY_SHARE)] = None
    status = tickets["status"].astype(object).to_numpy().copy()
    status[(status == "open") & (rng.random(n) < HOLD_SHARE)] = "hold"
    current_status = status.copy()  # before deletion
    deleted = tickets["_is_deleted"].fillna(False).astype(bool).to_numpy()
    by_status = deleted & (rng.random(n) < 0.5)
    status[by_status] = "deleted"
    fivetran_deleted = deleted & ~by_status
    assignee = rng.choice(agent_ids, n)
    ticket = pd.DataFrame(
        {
            "id": pd.array(tickets["zendesk_id"], dtype="Int64"),
            "organization_id": org,
            "requester_id": pd.array(requester, dtype="Int64"),
            "submitter_id": pd.array(requester, dtype="Int64"),
            "assignee_id": pd.array(assignee, dtype="Int64"),
            "group_id": pd.array([None] * n, dtype="Int64"),
            "brand_id": pd.array([360_000_001] * n, dtype="Int64"),
            "priority": priority,
            "status": status,
            "type": np.where(tickets["priority"] == "urgent", "incident", None).astype(object),
            "subject": tickets["subject"].astype(object),
            "description": tickets["subject"].astype(object),
            "created_at": tickets["created_s"],
            "updated_at": tickets[["created_s", "first_s", "solved_s"]].max(axis=1),
            "due_at": pd.Series(pd.NaT, index=tickets.index, dtype="datetime64[us]"),
            "external_id": None,
            "merged_ticket_ids": None,
            "problem_id": pd.array([None] * n, dtype="Int64"),
            "has_incidents": False,
            "is_public": True,
            "via_channel": rng.choice(["email", "web", "api", "chat"], n),
            "url": [
                f"https://demo.zendesk.com/api/v2/tickets/{i}.json" for i in tickets["zendesk_id"]
            ],
            "_fivetran_synced": tickets["synced"],
            "_fivetran_deleted": fivetran_deleted,
        }
    )

    # ---------------------------------------------------------------- comments and history
    comments: list[tuple] = []
    history: list[tuple] = []
    requester_s = pd.Series(requester)

    def comment(ticket_id: int, user_id: int, at: pd.Timestamp, public: bool, synced) -> None:
        comments.append((ticket_id, int(user_id), at, public, synced))

    for i in range(n):
        t = tickets.iloc[i]
        tid, synced = int(t["zendesk_id"]), t["synced"]
        created, first, solved = t["created_s"], t["first_s"], t["solved_s"]
        asker = int(requester_s.iloc[i])
        # comments: the request, maybe an internal note and a follow-up, the first reply, more
        comment(tid, asker, created, True, synced)
        if pd.notna(first):
            gap = first - created
            if gap > 4 * SECOND and rng.random() < INTERNAL_NOTE_SHARE:
                comment(tid, assignee[i], (created + gap * 0.4).floor("s"), False, synced)
            if gap > 4 * SECOND and rng.random() < REQUESTER_FOLLOW_UP_SHARE:
                comment(tid, asker, (created + gap * 0.6).floor("s"), True, synced)
            replier = deactivated_id if rng.random() < DEACTIVATED_AGENT_SHARE else assignee[i]
            comment(tid, replier, first, True, synced)
            end = solved if pd.notna(solved) else synced
            if pd.notna(end) and end - first > 4 * SECOND:
                comment(tid, asker, (first + (end - first) * 0.5).floor("s"), True, synced)
        # status history: new, open at the first reply, reopen cycles, the final status
        history.append((tid, "priority", created, t["priority"], synced))
        history.append((tid, "status", created, "new", synced))
        last = created
        if pd.notna(first):
            history.append((tid, "status", first, "open", synced))
            last = first
        end = solved if pd.notna(solved) else max(synced.floor("s"), last + SECOND * 10)
        cycles = int(t["reopened_count"]) if pd.notna(t["reopened_count"]) else 0
        if cycles:
            steps = [
                (last + (end - last) * k / (2 * cycles + 1)).floor("s")
                for k in range(1, 2 * cycles + 1)
            ]
            for k, at in enumerate(steps):
                at = max(at, last + SECOND)
                history.append((tid, "status", at, "solved" if k % 2 == 0 else "open", synced))
                last = at
        final = current_status[i]
        if pd.notna(solved):
            solved_at = max(solved, last + SECOND)
            if solved_at != solved:  # only when the cycles squeezed past the solve
                raise AssertionError(f"ticket {tid}: reopen cycles after its solve")
            history.append((tid, "status", solved_at, "solved", synced))
            last = solved_at
            if final == "closed":
                last = last + pd.Timedelta(days=4)
                history.append((tid, "status", last, "closed", synced))
        elif final != "new" or cycles:
            last = last + SECOND
            history.append((tid, "status", last, final, synced))
        if status[i] == "deleted":
            history.append((tid, "status", last + pd.Timedelta(hours=1), "deleted", synced))
        # satisfaction: offered, then the rating (a few flipped); some surveys never answered
        csat = t["csat_score"]
        anchor = solved if pd.notna(solved) else created
        if pd.notna(csat):
            rating = "good" if int(csat) >= CSAT_GOOD_FROM else "bad"
            history.append(
                (tid, "satisfaction_score", anchor + pd.Timedelta(hours=1), "offered", synced)
            )
            if rng.random() < CSAT_FLIP_SHARE:
                other = "bad" if rating == "good" else "good"
                history.append(
                    (tid, "satisfaction_score", anchor + pd.Timedelta(hours=20), other, synced)
                )
            history.append(
                (tid, "satisfaction_score", anchor + pd.Timedelta(days=2), rating, synced)
            )
        elif pd.notna(solved):
            u = rng.random()
            if u < OFFERED_UNANSWERED_SHARE:
                history.append(
                    (tid, "satisfaction_score", anchor + pd.Timedelta(hours=1), "offered", synced)
                )
            elif u < OFFERED_UNANSWERED_SHARE + UNOFFERED_SHARE:
                history.append(
                    (tid, "satisfaction_score", anchor + pd.Timedelta(hours=1), "unoffered", synced)
                )

    # ---------------------------------------------------------------- merged duplicates
    survivors = np.flatnonzero(~deleted & (rng.random(n) < MERGED_SHARE))
    merged_rows = []
    next_id = TICKET_ID_BASE + n
    for i in survivors:
        t = ticket.iloc[i]
        mid = next_id
        next_id += 1
        created = t["created_at"] + pd.Timedelta(minutes=10)
        ticket.loc[i, "merged_ticket_ids"] = f"[{mid}]"
        row = t.copy()
        row["id"] = mid
        row["status"] = "closed"
        row["created_at"] = created
        row["updated_at"] = created + pd.Timedelta(minutes=5)
        row["merged_ticket_ids"] = None
        row["url"] = f"https://demo.zendesk.com/api/v2/tickets/{mid}.json"
        merged_rows.append(row)
        synced = t["_fivetran_synced"]
        comment(mid, int(t["requester_id"]), created, True, synced)
        history.append((mid, "status", created, "new", synced))
        history.append((mid, "status", created + pd.Timedelta(minutes=5), "closed", synced))
    if merged_rows:
        ticket = pd.concat([ticket, pd.DataFrame(merged_rows)], ignore_index=True)
    for col in (
        "id",
        "organization_id",
        "requester_id",
        "submitter_id",
        "assignee_id",
        "group_id",
        "brand_id",
        "problem_id",
    ):
        ticket[col] = ticket[col].astype("Int64")
    ticket["_fivetran_deleted"] = ticket["_fivetran_deleted"].astype(bool)

    comment_frame = pd.DataFrame(
        comments, columns=["ticket_id", "user_id", "created", "public", "_fivetran_synced"]
    )
    comment_frame.insert(0, "id", COMMENT_ID_BASE + np.arange(len(comment_frame), dtype=np.int64))
    comment_frame["body"] = "(comment)"
    comment_frame["_fivetran_deleted"] = False
    for col in ("id", "ticket_id", "user_id"):
        comment_frame[col] = comment_frame[col].astype("Int64")
    comment_frame["public"] = comment_frame["public"].astype(bool)
    comment_frame["created"] = comment_frame["created"].astype("datetime64[us]")

    history_frame = pd.DataFrame(
        history, columns=["ticket_id", "field_name", "updated", "value", "_fivetran_synced"]
    )
    history_frame["ticket_id"] = history_frame["ticket_id"].astype("Int64")
    history_frame["user_id"] = pd.array([None] * len(history_frame), dtype="Int64")
    history_frame["updated"] = history_frame["updated"].astype("datetime64[us]")
    history_frame["value"] = history_frame["value"].astype(object)

    return {
        "ticket": ticket,
        "organization": organization,
        "domain_name": domain_name,
        "user": user,
        "ticket_field_history": history_frame,
        "ticket_comment": comment_frame,
    }


def equivalent(frames: Mapping[str, pd.DataFrame], ctx: LandingContext) -> dict[str, pd.DataFrame]:
    """support.tickets as the adapter reproduces it: the latest version of each ticket, its
    Zendesk id, timestamps in whole seconds, CSAT as good/bad scores, the shared mailbox's
    Zendesk id where the contract has no requester, and no tenant (one Zendesk per org)."""
    book = _book(frames)
    t = book.tickets
    contract_columns = list(frames["support.tickets"].columns)
    org_pos = {a: i for i, a in enumerate(book.accounts["account_id"])}
    out = t.copy()
    out["ticket_id"] = t["zendesk_id"].astype(str)
    out["requester_id"] = np.where(
        t["requester_id"].notna(),
        t["requester_id"],
        t["account_id"].map(lambda a: str(_mailbox_id(org_pos[a]))),
    ).astype(object)
    for col, landed in (
        ("created_at", "created_s"),
        ("first_response_at", "first_s"),
        ("solved_at", "solved_s"),
    ):
        out[col] = t[landed].dt.tz_localize("UTC")
    csat = t["csat_score"]
    out["csat_score"] = pd.array(
        [
            pd.NA
            if pd.isna(v)
            else (CSAT_GOOD_SCORE if int(v) >= CSAT_GOOD_FROM else CSAT_BAD_SCORE)
            for v in csat
        ],
        dtype="Int64",
    )
    out["org_id"] = None
    return {"support.tickets": out[contract_columns].reset_index(drop=True)}
