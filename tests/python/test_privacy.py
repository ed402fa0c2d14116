"""GDPR erasure and export, on DuckDB and on Postgres: after `customer-health erase` no table or
view anywhere in the warehouse (raw, staging, intermediate, marts, calibration, snapshots...)
holds the account's or the contact's ids, emails, phones or their hashes, a rebuild does not
bring them back, and every other account keeps its rows. Mentions of them in other people's
free text (a CSM note, a ticket subject) are redacted, the planner's statistics forget them, and
so do the files a run wrote (run summary, GX results, Data Docs, tiers record).
`customer-health export` writes all the rows held about one account or contact, lists the rows
whose free text mentions them, and nothing about anyone else."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from customer_health import contract, privacy
from customer_health import dbt as dbt_runner
from customer_health.cli import main
from customer_health.pgcluster import PgCluster
from customer_health.privacy.files import FileRedactor, _redact_json
from customer_health.privacy.mentions import REDACTED, Needles, Redactor
from customer_health.warehouse import Warehouse

from .conftest import copy_duckdb, copy_postgres, duckdb_warehouse, run_captured

ENGINES = [
    "duckdb",
    pytest.param("postgres", marks=pytest.mark.postgres),
]
SYSTEM_SCHEMAS = ("information_schema", "pg_catalog", "pg_toast")


def cli(wh: Warehouse, *args: str) -> Result:
    result = CliRunner().invoke(main, [*args, "--target", wh.engine], env=wh.env())
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def copy_of(wh: Warehouse, tmp_path: Path, cluster: PgCluster | None, name: str) -> Warehouse:
    if wh.engine == "duckdb":
        return copy_duckdb(wh, tmp_path)
    assert cluster is not None
    return copy_postgres(wh, cluster, name)


TEXT_TYPES = ("text", "varchar", "character varying", "character")


Query = Callable[[str], pd.DataFrame]


@contextmanager
def reader(wh: Warehouse) -> Iterator[Query]:
    """Queries on one connection, for the scans below that query every relation (a DuckDB
    connection of its own reads the file's whole catalog first: 20-30 ms each, measured)."""
    with wh.connect() as con:
        yield lambda sql: wh.frame(con, sql)


def relations(query: Query, views: bool = True, text_only: bool = False) -> dict[str, list[str]]:
    """Every table (and view) of the current database outside the system schemas, with its
    columns (or only its text columns): not only the project's schemas, so that nothing
    escapes the scan."""
    kinds = "('BASE TABLE', 'VIEW')" if views else "('BASE TABLE')"
    frame = query(
        "select c.table_schema, c.table_name, c.column_name, lower(c.data_type) as data_type "
        "from information_schema.columns as c "
        "inner join information_schema.tables as t on t.table_catalog = c.table_catalog "
        "and t.table_schema = c.table_schema and t.table_name = c.table_name "
        f"where t.table_catalog = current_database() and t.table_type in {kinds} "
        f"and t.table_schema not in {SYSTEM_SCHEMAS} "
        "order by c.table_schema, c.table_name, c.ordinal_position"
    )
    out: dict[str, list[str]] = {}
    for row in frame.itertuples():
        columns = out.setdefault(f'"{row.table_schema}"."{row.table_name}"', [])
        if not text_only or row.data_type in TEXT_TYPES:
            columns.append(row.column_name)
    return out


def escape(value: str) -> str:
    return value.replace("'", "''")


def holders(wh: Warehouse, needles: set[str]) -> set[tuple[str, str]]:
    """(relation, needle) for every relation with a row that holds a needle anywhere in its
    text. Text columns only: every needle (ids, emails, phones, hex hashes) is text with
    letters or signs in it, so no number, date or timestamp column can hold one."""
    needles = sorted(needles)
    if wh.engine == "duckdb":  # first the rows that hold any needle, then which ones
        pattern = "|".join(re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", n) for n in needles)
        match = f"regexp_matches(s, '{escape(pattern)}')"
    else:  # on Postgres, like any is three times faster than a regular expression
        match = "s like any (array[" + ", ".join(f"'%{escape(n)}%'" for n in needles) + "])"
    found = set()
    with reader(wh) as query:
        for relation, columns in relations(query, text_only=True).items():
            if not columns:
                continue
            row_text = "concat_ws('|', " + ", ".join(f'"{c}"' for c in columns) + ")"
            sums = ", ".join(
                f"sum(case when position('{escape(n)}' in s) > 0 then 1 else 0 end) as n{i}"
                for i, n in enumerate(needles)
            )
            counts = query(
                f"select {sums} from (select {row_text} as s from {relation}) as t where {match}"
            )
            for i, needle in enumerate(needles):
                if (counts.iloc[0, i] or 0) > 0:
                    found.add((relation.replace('"', ""), needle))
    return found


def named_rows(wh: Warehouse, contact_ids: set[str], account: str) -> dict[str, int]:
    """Base table -> rows of other accounts that name an erased person: by contact id
    (contact_id, requester_id), or by the hash of an erased email or phone (people share
    phone numbers across accounts, so another account's contact can carry the same hash)."""
    ids = ", ".join(f"'{n}'" for n in sorted(contact_ids))
    erased = wh.query_df(
        f"select email_hash, phone_hash from staging.base_crm__contacts where contact_id in ({ids})"
    )
    found = set(erased["email_hash"].dropna()) | set(erased["phone_hash"].dropna())
    hashes = ", ".join(f"'{n}'" for n in sorted(found))
    out: dict[str, int] = {}
    with reader(wh) as query:
        for relation, columns in relations(query, views=False).items():
            terms = [(c, f"{c} in ({ids})") for c in ("contact_id", "requester_id")]
            terms += [(c, f"{c} in ({hashes})") for c in ("email_hash", "phone_hash")]
            named = [term for column, term in terms if column in columns]
            if not named:
                continue
            other = f" and account_id <> '{account}'" if "account_id" in columns else ""
            frame = query(
                f"select count(*) as n from {relation} where ({' or '.join(named)}){other}"
            )
            out[relation.replace('"', "")] = int(frame["n"][0])
    return out


def row_counts(wh: Warehouse, account: str) -> dict[str, tuple[int, int | None]]:
    """Base table -> (rows, rows of other accounts when it has account_id)."""
    out: dict[str, tuple[int, int | None]] = {}
    with reader(wh) as query:
        for relation, columns in relations(query, views=False).items():
            name = relation.replace('"', "")
            if "account_id" not in columns:
                out[name] = (int(query(f"select count(*) as n from {relation}")["n"][0]), None)
                continue
            frame = query(
                "select count(*) as n, coalesce(sum(case when account_id = "
                f"'{account}' then 0 else 1 end), 0) as other from {relation}"
            )
            out[name] = (int(frame["n"][0]), int(frame["other"][0]))
    return out


@dataclass
class Person:
    contact_id: str
    account_id: str
    versions: int
    needles: set[str] = field(default_factory=set)


def pick_account(wh: Warehouse) -> str:
    """A live account with an alert, contacts with emails and phones, tickets, and if the book
    has any, subsidiaries pointing at it."""
    base = (
        "select a.account_id from raw_crm.accounts as a "
        "where exists (select 1 from marts.mart_account_health as m "
        "where m.account_id = a.account_id) "
        "and exists (select 1 from marts.mart_health_alerts as h "
        "where h.account_id = a.account_id) "
        "and exists (select 1 from raw_support.tickets as t where t.account_id = a.account_id "
        "and t.requester_id is not null) "
        "and exists (select 1 from raw_crm.contacts as c where c.account_id = a.account_id "
        "and c.email is not null and c.phone is not null) "
    )
    parent = (
        "and exists (select 1 from raw_crm.accounts as s where s.parent_account_id = a.account_id) "
    )
    for sql in (base + parent, base):
        frame = wh.query_df(sql + "order by a.account_id limit 1")
        if len(frame):
            return str(frame.iloc[0, 0])
    raise AssertionError("no account fits")


def value_owners(wh: Warehouse) -> dict[str, set[str]]:
    """Every raw email and phone, and every hash staging computes from them -> the contacts
    that hold it. The demo book, like real ones, has people sharing a phone number."""
    raw = wh.query_df("select contact_id, email, phone from raw_crm.contacts")
    staged = wh.query_df("select * from staging.stg_crm__contacts")
    hashes = [c for c in staged.columns if c.endswith("_hash")]
    assert {"email_hash", "phone_hash"} <= set(hashes)
    owners: dict[str, set[str]] = {}
    for frame, columns in ((raw, ["email", "phone"]), (staged, hashes)):
        for row in frame.itertuples():
            for column in columns:
                value = getattr(row, column)
                if isinstance(value, str):
                    owners.setdefault(value, set()).add(row.contact_id)
    return owners


def values_of(owners: dict[str, set[str]], contacts: set[str]) -> set[str]:
    """The values held by these contacts and by no one else."""
    return {v for v, held_by in owners.items() if held_by <= contacts}


def pick_contact(wh: Warehouse, not_of: str, owners: dict[str, set[str]]) -> Person:
    """A contact of another account, with an email and a phone (and their hashes) no one else
    has, who took part in activities and opened tickets; several raw versions if any has."""
    frame = wh.query_df(
        "select c.contact_id, min(c.account_id) as account_id, count(*) as versions "
        "from raw_crm.contacts as c "
        f"where c.account_id <> '{not_of}' and c.email is not null and c.phone is not null "
        "and exists (select 1 from raw_crm.activities as a where a.contact_id = c.contact_id) "
        "and exists (select 1 from raw_support.tickets as t where t.requester_id = c.contact_id) "
        "group by c.contact_id order by count(*) desc, c.contact_id"
    )
    for row in frame.itertuples():
        values = values_of(owners, {row.contact_id})
        if len(values) == 4:  # email, phone, email hash, phone hash
            person = Person(str(row.contact_id), str(row.account_id), int(row.versions))
            person.needles = {person.contact_id, *values}
            return person
    raise AssertionError("no contact fits")


def activity_counts(wh: Warehouse, person: Person) -> tuple[int, int, int]:
    """The person's account's activities: all of them, those naming a contact, the person's."""
    frame = wh.query_df(
        "select count(*) as n, count(contact_id) as named, "
        f"coalesce(sum(case when contact_id = '{person.contact_id}' then 1 else 0 end), 0) as own "
        f"from raw_crm.activities where account_id = '{person.account_id}'"
    )
    return int(frame["n"][0]), int(frame["named"][0]), int(frame["own"][0])


REPEATS = 40  # copies of a planted value: enough to be among a column's most common values


def digits(value: str) -> str:
    return re.sub(r"[^0-9]", "", value)


@dataclass
class Planted:
    """The person's email, phone and name, and the erased account's name, written into other
    people's free text: CSM notes and ticket subjects of other accounts, about other
    requesters. Each text is repeated, and the person has as many raw versions, so that
    Postgres's statistics list them among the most common values."""

    email: str
    phone: str
    name: str
    account_name: str
    notes: list[str]  # sentiment_id of the notes that mention the person
    subjects: list[str]  # ticket_id of the tickets whose subject mentions the person
    account_note: str  # sentiment_id of the note that names the erased account


def plant_mentions(wh: Warehouse, account: str, person: Person) -> Planted:
    email, phone = wh.query_df(
        "select email, phone from raw_crm.contacts "
        f"where contact_id = '{person.contact_id}' and email is not null and phone is not null "
        "order by _loaded_at desc limit 1"
    ).iloc[0]
    name = " ".join(part.capitalize() for part in email.split("@")[0].split("."))
    account_name = str(
        wh.query_df(f"select account_name from raw_crm.accounts where account_id = '{account}'")[
            "account_name"
        ][0]
    )
    notes = wh.query_df(
        f"select sentiment_id from raw_crm.sentiment where account_id <> '{account}' "
        f"order by sentiment_id limit {REPEATS + 1}"
    )["sentiment_id"].tolist()
    subjects = wh.query_df(
        f"select ticket_id from raw_support.tickets where account_id <> '{account}' "
        f"and coalesce(requester_id, '') <> '{person.contact_id}' "
        f"order by ticket_id limit {REPEATS}"
    )["ticket_id"].tolist()
    d = digits(phone)
    other_format = f"({d[:2]}) {d[2:6]}-{d[6:]}"  # the same digits, other separators
    note = f"Spoke with {email.upper()}; call back on {other_format}."
    subject = f"Fwd: {email} asks that {name.lower()} calls {phone}"
    in_notes = ", ".join(f"'{n}'" for n in notes[:-1])
    in_subjects = ", ".join(f"'{t}'" for t in subjects)
    columns = contract.table("crm", "contacts").column_names
    older = ", ".join(
        "_loaded_at - interval '{k} days'" if c == "_loaded_at" else c for c in columns
    )
    first = (
        f"select * from raw_crm.contacts where contact_id = '{person.contact_id}' "
        "order by _loaded_at limit 1"
    )
    wh.execute(
        f"update raw_crm.sentiment set note = '{escape(note)}' where sentiment_id in ({in_notes})",
        f"update raw_crm.sentiment set note = 'Renewal call: {escape(account_name)} is "
        f"evaluating us too.' where sentiment_id = '{notes[-1]}'",
        f"update raw_support.tickets set subject = '{escape(subject)}' "
        f"where ticket_id in ({in_subjects})",
        *(
            f"insert into raw_crm.contacts ({', '.join(columns)}) "
            f"select {older.format(k=k)} from ({first}) as c"
            for k in range(1, REPEATS)
        ),
    )
    return Planted(email, phone, name, account_name, notes[:-1], subjects, notes[-1])


FREE_TEXT_COLUMNS = ("note", "subject", "override_reason")


def mentions_in(text: str, planted: Planted) -> set[str]:
    """Which of the person's planted values a text holds: in any case, with any spacing, and
    the phone number on its digits whatever the separators."""
    flat = " ".join(text.lower().split())
    found = {
        label
        for label, v in (("email", planted.email), ("name", planted.name))
        if v.lower() in flat
    }
    if digits(planted.phone) in digits(text):
        found.add("phone")
    return found


def free_text_mentions(wh: Warehouse, planted: Planted) -> set[tuple[str, str]]:
    """(relation.column, value) for every free-text column, in any schema, that mentions the
    person: the raw notes and subjects, their staging copies, the override reasons of the
    marts and snapshots."""
    found = set()
    with reader(wh) as query:
        for relation, columns in relations(query).items():
            for column in (c for c in columns if c in FREE_TEXT_COLUMNS):
                texts = query(f"select distinct {column} as t from {relation}")["t"].dropna()
                for text in texts:
                    found |= {
                        (f"{relation.replace(chr(34), '')}.{column}", label)
                        for label in mentions_in(str(text), planted)
                    }
    return found


def stats_holders(wh: Warehouse, planted: Planted, ids: set[str]) -> set[tuple[str, str]]:
    """(schema.table.column, value) for every planner statistic of a raw table (most common
    values, histogram bounds) that holds an erased value: any reader with select on the
    table can read pg_stats."""
    frame = wh.query_df(
        "select s.schemaname || '.' || s.tablename || '.' || s.attname as col, v "
        "from pg_stats as s, unnest(s.most_common_vals::text::text[]) as v "
        "where s.schemaname like 'raw\\_%' "
        "union all "
        "select s.schemaname || '.' || s.tablename || '.' || s.attname as col, v "
        "from pg_stats as s, unnest(s.histogram_bounds::text::text[]) as v "
        "where s.schemaname like 'raw\\_%'"
    )
    found = set()
    for row in frame.itertuples(index=False):
        value = str(row.v)
        found |= {(row.col, label) for label in mentions_in(value, planted)}
        found |= {
            (row.col, i) for i in ids if re.search(rf"(?<![A-Za-z0-9]){i}(?![A-Za-z0-9])", value)
        }
    return found


def planted_texts(wh: Warehouse, planted: Planted) -> dict[str, str]:
    """sentiment_id / ticket_id -> the raw note or subject planted there, now."""
    notes = ", ".join(f"'{n}'" for n in [*planted.notes, planted.account_note])
    subjects = ", ".join(f"'{t}'" for t in planted.subjects)
    out = {}
    for sql in (
        "select sentiment_id as k, note as t from raw_crm.sentiment "
        f"where sentiment_id in ({notes})",
        f"select ticket_id as k, subject as t from raw_support.tickets "
        f"where ticket_id in ({subjects})",
    ):
        out.update({str(r.k): str(r.t) for r in wh.query_df(sql).itertuples(index=False)})
    return out


@dataclass
class Erased:
    wh: Warehouse
    account: str
    person: Person
    account_needles: set[str]
    held_before: set[tuple[str, str]]
    counts_before: dict[str, tuple[int, int | None]]
    person_rows_before: dict[str, int]
    activities_before: tuple[int, int, int]  # the account's, named, the person's
    tickets_before: list[str]
    erase_account: Result
    erase_contact: Result
    held_after_erase: set[tuple[str, str]]
    counts_after_erase: dict[str, tuple[int, int | None]]
    held_after_rebuild: set[tuple[str, str]]
    live_before: int
    live_after_rebuild: int
    planted: Planted
    export_contact: dict[str, Any]
    texts_before: dict[str, str]
    texts_after_erase: dict[str, str]
    mentions_before: set[tuple[str, str]]
    mentions_after_rebuild: set[tuple[str, str]]
    stats_before: set[tuple[str, str]] | None  # Postgres only
    stats_after_erase: set[tuple[str, str]] | None


@pytest.fixture(scope="module", params=ENGINES)
def erased(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Erased:
    """Erase one account and one contact (of another account) from a copy of the built book,
    then rebuild; record the warehouse before, after the erasure, and after the rebuild."""
    engine = request.param
    built: Warehouse = request.getfixturevalue("duck_built" if engine == "duckdb" else "pg_built")
    cluster = request.getfixturevalue("pg_cluster") if engine == "postgres" else None
    tmp = tmp_path_factory.mktemp("privacy")
    wh = copy_of(built, tmp, cluster, "customer_health_privacy")

    account = pick_account(wh)
    owners = value_owners(wh)
    person = pick_contact(wh, not_of=account, owners=owners)
    planted = plant_mentions(wh, account, person)
    person.versions = int(
        wh.query_df(
            f"select count(*) as n from raw_crm.contacts where contact_id = '{person.contact_id}'"
        )["n"][0]
    )
    stats_ids = {account, person.contact_id}
    stats_before = None
    if engine == "postgres":  # statistics from the planted data, and none computed behind
        raw = [r for r in relations(wh.query_df, views=False) if r.startswith('"raw_')]
        wh.execute(*(f"alter table {r} set (autovacuum_enabled = false)" for r in raw), "analyze")
        stats_before = stats_holders(wh, planted, stats_ids)
    contacts = wh.query_df(
        f"select distinct contact_id from raw_crm.contacts where account_id = '{account}'"
    )["contact_id"].tolist()
    account_needles = {account, *contacts} | values_of(owners, set(contacts))
    assert len(account_needles) > len(contacts) + 3, account_needles
    tickets = wh.query_df(
        f"select ticket_id from raw_support.tickets where requester_id = '{person.contact_id}'"
    )["ticket_id"].tolist()
    activities = activity_counts(wh, person)
    live = "select count(*) as n from marts.mart_account_health"
    live_before = int(wh.query_df(live)["n"][0])
    held_before = holders(wh, account_needles | person.needles)
    counts_before = row_counts(wh, account)
    person_rows_before = named_rows(wh, {person.contact_id, *contacts}, account)

    texts_before = planted_texts(wh, planted)
    mentions_before = free_text_mentions(wh, planted)
    export_path = tmp / "contact.json"
    exported = cli(
        wh,
        "export",
        "--contact",
        person.contact_id,
        "--name",
        planted.name,
        "--output",
        str(export_path),
    )
    assert exported.exit_code == 0, exported.output

    reports = str(tmp / "reports")
    erase_account = cli(wh, "erase", "--account", account, "--reports-dir", reports)
    erase_contact = cli(
        wh,
        "erase",
        "--contact",
        person.contact_id,
        "--name",
        planted.name,
        "--reports-dir",
        reports,
    )
    stats_after_erase = stats_holders(wh, planted, stats_ids) if engine == "postgres" else None
    texts_after_erase = planted_texts(wh, planted)
    held_after_erase = holders(wh, account_needles | person.needles)
    counts_after_erase = row_counts(wh, account)

    # DuckDB runs the project's data tests too (an erasure leaves a warehouse that passes
    # them); Postgres only rebuilds, which is the point here, in a fraction of the time. Unit
    # tests read no warehouse data: duck_built and pg_built run them
    exclude = (
        ["--exclude", "resource_type:unit_test"]
        if engine == "duckdb"
        else ["--exclude", "resource_type:test", "resource_type:unit_test"]
    )
    dbt_runner.run(["build", *exclude], wh, quiet=True)
    return Erased(
        wh=wh,
        account=account,
        person=person,
        account_needles=account_needles,
        held_before=held_before,
        counts_before=counts_before,
        person_rows_before=person_rows_before,
        activities_before=activities,
        tickets_before=tickets,
        erase_account=erase_account,
        erase_contact=erase_contact,
        held_after_erase=held_after_erase,
        counts_after_erase=counts_after_erase,
        held_after_rebuild=holders(wh, account_needles | person.needles),
        live_before=live_before,
        live_after_rebuild=int(wh.query_df(live)["n"][0]),
        planted=planted,
        export_contact=json.loads(export_path.read_text()),
        texts_before=texts_before,
        texts_after_erase=texts_after_erase,
        mentions_before=mentions_before,
        mentions_after_rebuild=free_text_mentions(wh, planted),
        stats_before=stats_before,
        stats_after_erase=stats_after_erase,
    )


def test_the_book_held_them_everywhere_before(erased: Erased) -> None:
    """The scan finds what it looks for: otherwise the tests below could not fail."""
    where = {relation for relation, _ in erased.held_before}
    for relation in (
        "raw_crm.accounts",
        "raw_crm.contacts",
        "raw_support.tickets",
        "staging.stg_crm__contacts",
        "intermediate.int_scoring__account_scores",
        "marts.mart_account_health",
        "marts.mart_account_health_history",
        "marts.mart_account_health_factors",
        "marts.mart_health_alerts",
        "snapshots.snap_account_health",
    ):
        assert relation in where, relation
    assert {needle for _, needle in erased.held_before} == (
        erased.account_needles | erased.person.needles
    )


def test_erase_prints_what_it_deleted_per_table_and_says_to_rebuild(erased: Erased) -> None:
    out = erased.erase_account.output
    assert erased.erase_account.exit_code == 0, out
    for line in (
        "raw_crm.accounts",
        "raw_crm.contacts",
        "marts.mart_account_health ",
        "snapshots.snap_account_health",
    ):
        assert line in out and "deleted" in out.split(line, 1)[1].splitlines()[0], (line, out)
    assert "customer-health build" in out
    contact_out = erased.erase_contact.output
    assert erased.erase_contact.exit_code == 0, contact_out
    assert (
        "raw_crm.contacts" in contact_out
        and f"{erased.person.versions} row(s) deleted" in contact_out
    )
    assert "requester_id, subject set to null" in contact_out
    assert "contact_id set to null" in contact_out


def test_no_table_or_view_holds_them_after_the_erasure(erased: Erased) -> None:
    assert erased.held_after_erase == set()


def test_a_rebuild_does_not_bring_them_back(erased: Erased) -> None:
    assert erased.held_after_rebuild == set()
    assert erased.live_after_rebuild == erased.live_before - 1


def test_other_accounts_keep_their_rows(erased: Erased) -> None:
    # the raw contact's own rows go; a table dbt rebuilds (the base models) also loses, until
    # the next build, its rows that name the person, which the rebuild restores without them
    dropped = {
        relation: n
        for relation, n in erased.person_rows_before.items()
        if not relation.startswith(("raw_", "snapshots."))
    }
    dropped["raw_crm.contacts"] = erased.person.versions
    before, after = erased.counts_before, erased.counts_after_erase
    assert set(after) == set(before)
    for relation, (rows, other) in before.items():
        expected = (other if other is not None else rows) - dropped.get(relation, 0)
        assert after[relation][0] == expected, (relation, before[relation], after[relation])
    erased_rows = sum(rows - other for rows, other in before.values() if other is not None)
    assert erased_rows > 100  # the account's rows really were spread over many tables


def test_a_contacts_activities_and_tickets_stay_without_the_person(erased: Erased) -> None:
    wh, person = erased.wh, erased.person
    rows, named, of_person = erased.activities_before
    assert of_person > 0
    assert activity_counts(wh, person) == (rows, named - of_person, 0)
    ids = ", ".join(f"'{t}'" for t in erased.tickets_before)
    tickets = wh.query_df(
        f"select ticket_id, requester_id, subject, priority from raw_support.tickets "
        f"where ticket_id in ({ids})"
    )
    assert sorted(tickets["ticket_id"]) == sorted(erased.tickets_before)
    assert tickets["requester_id"].isna().all() and tickets["subject"].isna().all()
    assert tickets["priority"].notna().all()


def test_export_writes_every_row_held_about_the_account(
    duck_built: Warehouse, tmp_path: Path
) -> None:
    wh = duck_built
    account = pick_account(wh)
    output = tmp_path / "export.json"
    result = cli(wh, "export", "--account", account, "--output", str(output))
    assert result.exit_code == 0, result.output
    assert str(output) in result.output
    document = json.loads(output.read_text())
    assert document["subject"] == {"kind": "account", "id": account}
    tables = document["tables"]
    with reader(wh) as query:
        for relation, columns in relations(query, views=False).items():
            if "account_id" not in columns:
                continue
            name = relation.replace('"', "")
            held = int(
                query(f"select count(*) as n from {relation} where account_id = '{account}'")["n"][
                    0
                ]
            )
            assert len(tables.get(name, [])) == held, name
    for name in (
        "raw_crm.accounts",
        "raw_crm.contacts",
        "raw_product.events",
        "raw_billing.invoices",
        "marts.mart_account_health",
        "marts.mart_account_health_history",
        "marts.mart_account_health_factors",
        "marts.mart_health_alerts",
        "snapshots.snap_account_health",
    ):
        assert tables.get(name), name
    rows = [row for table in tables.values() for row in table]
    assert all(row["account_id"] == account for row in rows if "account_id" in row)
    # no other account's data: its id appears only where the account points at its parent
    values = {
        v for row in rows for k, v in row.items() if isinstance(v, str) and k != "parent_account_id"
    }
    everyone = set(wh.query_df("select account_id from raw_crm.accounts")["account_id"])
    assert values & everyone == {account}
    others = set(
        wh.query_df(f"select contact_id from raw_crm.contacts where account_id <> '{account}'")[
            "contact_id"
        ]
    )
    assert not values & others
    created = tables["raw_crm.accounts"][0]["created_date"]
    assert isinstance(created, str) and len(created) == 10 and created[4] == "-"
    emails = set(
        wh.query_df(f"select email from raw_crm.contacts where account_id = '{account}'")[
            "email"
        ].dropna()
    )
    assert emails and emails <= values  # raw personal data is the subject's own: it is handed over


@pytest.mark.postgres
def test_export_of_a_contact_on_postgres_holds_only_that_person(
    pg_built: Warehouse, tmp_path: Path
) -> None:
    wh = pg_built
    person = pick_contact(wh, not_of="", owners=value_owners(wh))
    output = tmp_path / "contact.json"
    result = cli(wh, "export", "--contact", person.contact_id, "--output", str(output))
    assert result.exit_code == 0, result.output
    document = json.loads(output.read_text())
    tables = document["tables"]
    assert len(tables["raw_crm.contacts"]) == person.versions
    for relation, column in (
        ("raw_crm.activities", "contact_id"),
        ("raw_support.tickets", "requester_id"),
    ):
        held = int(
            wh.query_df(
                f"select count(*) as n from {relation} where {column} = '{person.contact_id}'"
            )["n"][0]
        )
        assert held > 0 and len(tables[relation]) == held, relation
        assert {row[column] for row in tables[relation]} == {person.contact_id}
    contacts = set(wh.query_df("select contact_id from raw_crm.contacts")["contact_id"])
    values = {v for t in tables.values() for row in t for v in row.values() if isinstance(v, str)}
    assert values & contacts == {person.contact_id}


def test_a_dry_run_counts_and_changes_nothing(duck_built: Warehouse, tmp_path: Path) -> None:
    wh = copy_duckdb(duck_built, tmp_path)
    account = pick_account(wh)
    before = row_counts(wh, account)
    result = cli(wh, "erase", "--account", account, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would erase" in result.output and "nothing was changed" in result.output
    deleted = int(result.output.split("raw_crm.accounts", 1)[1].split()[0])
    assert deleted == 1
    assert row_counts(wh, account) == before


def test_unknown_ids_and_bad_options_fail_with_a_hint(
    duck_built: Warehouse, tmp_path: Path
) -> None:
    wh = copy_duckdb(duck_built, tmp_path)
    before = row_counts(wh, "none")
    for args in (
        ("erase", "--account", "NO_SUCH_ACCOUNT"),
        ("erase", "--contact", "NO_SUCH_CONTACT"),
        ("export", "--account", "NO_SUCH_ACCOUNT", "--output", str(tmp_path / "x.json")),
        ("erase", "--account", "A1", "--contact", "C1"),
        ("erase",),
    ):
        result = cli(wh, *args)
        assert result.exit_code == 2, (args, result.output)
        assert "error:" in result.output and "next:" in result.output, result.output
    assert "NO_SUCH_ACCOUNT" in cli(wh, "erase", "--account", "NO_SUCH_ACCOUNT").output
    assert not (tmp_path / "x.json").exists()
    assert row_counts(wh, "none") == before


def test_erase_and_export_without_a_warehouse_fail_with_a_hint(tmp_path: Path) -> None:
    wh = duckdb_warehouse(tmp_path / "nowhere")
    for args in (("erase", "--account", "A000001"), ("export", "--account", "A000001")):
        result = cli(wh, *args)
        assert result.exit_code == 2, result.output
        assert "no DuckDB warehouse" in result.output and "next:" in result.output
    assert not (tmp_path / "nowhere").exists()


def test_every_contract_column_holding_a_contact_is_known_to_erasure() -> None:
    """A contact reference added to the contract must be handled by erase (the reference set to
    null, or the row deleted), not silently left behind; and personal data must stay in the
    contacts table, the only place erase reads it from."""
    contact_example = contract.table("crm", "contacts").columns[0].example
    for table in contract.TABLES:
        for column in table.all_columns:
            holds_contact = column.example == contact_example
            assert holds_contact == privacy.is_contact_column(column.name), (
                f"{table.schema}.{table.name}.{column.name}"
            )
        pii = [c.name for c in table.all_columns if "PII" in c.description]
        assert not pii or table.name == "contacts", f"{table.name}: {pii}"


def test_export_of_a_contact_lists_the_rows_whose_free_text_mentions_them(erased: Erased) -> None:
    document, planted = erased.export_contact, erased.planted
    listed: dict[tuple[str, str], set[str]] = {}
    for mention in document["mentions"]:
        key = next(iter(v for k, v in mention["key"].items() if k != "_loaded_at"))
        listed.setdefault((mention["table"], mention["column"]), set()).add(key)
        assert mentions_in(mention["text"], planted), mention
    assert listed == {
        ("raw_crm.sentiment", "note"): set(planted.notes),
        ("raw_support.tickets", "subject"): set(planted.subjects),
    }
    assert document["mention_counts"] == {
        "raw_crm.sentiment.note": REPEATS,
        "raw_support.tickets.subject": REPEATS,
    }


def test_erase_redacts_mentions_in_other_peoples_free_text(erased: Erased) -> None:
    planted, before, after = erased.planted, erased.texts_before, erased.texts_after_erase
    # the person's email, phone (other separators) and name, in any case, were there
    for key in [*planted.notes, *planted.subjects]:
        assert mentions_in(before[key], planted) >= {"email", "phone"}, before[key]
    assert all(
        mentions_in(before[t], planted) == {"email", "phone", "name"} for t in planted.subjects
    )
    assert planted.account_name in before[planted.account_note]
    for key in planted.notes:
        assert after[key] == f"Spoke with {REDACTED}; call back on {REDACTED}.", after[key]
    for key in planted.subjects:
        assert after[key] == f"Fwd: {REDACTED} asks that {REDACTED} calls {REDACTED}", after[key]
    assert after[planted.account_note] == f"Renewal call: {REDACTED} is evaluating us too."
    out = erased.erase_contact.output
    for table, column in (("raw_crm.sentiment", "note"), ("raw_support.tickets", "subject")):
        line = next(
            line
            for line in out.splitlines()
            if line.strip().startswith(table + " ") and "redacted" in line
        )
        assert f"{REPEATS} row(s): mentions in {column} redacted" in line, out
    assert "mentions in note redacted" in erased.erase_account.output


def test_a_rebuild_brings_no_mention_back(erased: Erased) -> None:
    assert {(where, value) for where, value in erased.mentions_before} >= {
        ("raw_crm.sentiment.note", "email"),
        ("raw_crm.sentiment.note", "phone"),
        ("raw_support.tickets.subject", "email"),
        ("raw_support.tickets.subject", "phone"),
        ("raw_support.tickets.subject", "name"),
    }
    assert erased.mentions_after_rebuild == set()
    staged = {w for w in erased.mentions_before if w[0].startswith("staging.")}
    assert not staged  # built before the planting: only the rebuild could have brought them


def test_the_engine_keeps_nothing_of_them(erased: Erased) -> None:
    """Postgres: pg_stats is readable by any role with select on a table; after the erasure,
    no most common value or histogram bound of a raw table holds the erased values. DuckDB
    keeps no such statistics: the erasure ends with a checkpoint, so the deleted rows leave
    the write-ahead log for the database file's free blocks."""
    if erased.wh.engine != "postgres":
        assert "DuckDB: checkpoint" in erased.erase_contact.output
        return
    assert erased.stats_before is not None and erased.stats_after_erase is not None
    held = {value for _, value in erased.stats_before}
    assert held >= {"email", "phone", erased.person.contact_id}, erased.stats_before
    assert erased.stats_after_erase == set()
    assert "vacuum (analyze)" in erased.erase_contact.output


def files_holding(directory: Path, needles: set[str]) -> set[tuple[str, str]]:
    """(file, needle) for every file under the directory whose name or text holds a needle."""
    found = set()
    for path in directory.rglob("*"):
        if not path.is_file():
            continue
        name = str(path.relative_to(directory))
        text = path.read_text(errors="ignore") if path.suffix in (".json", ".html") else ""
        found |= {(name, n) for n in needles if n in text or n in path.name}
    return found


def test_erase_redacts_the_reports_a_run_wrote(duck_built: Warehouse, tmp_path: Path) -> None:
    """The tiers record lists every account; a failing source gate puts the failing rows'
    keys (payment ids) into the run summary and GX's stored results, and duplicated keys into
    the Data Docs; an export is named by the account's id. After the erasure none of them
    holds the account, and the JSON files still read as before."""
    wh = copy_duckdb(duck_built, tmp_path)
    reports = tmp_path / "reports"
    assert run_captured(wh, reports)[0].exit_code == 0
    account = pick_account(wh)
    mine = f"from raw_billing.payments where account_id = '{account}'"
    payments = set(wh.query_df(f"select payment_id {mine}")["payment_id"])
    assert payments
    wh.execute(  # a status nobody knows, and every payment loaded twice: the gate fails
        f"update raw_billing.payments set status = 'mislaid' where account_id = '{account}'",
        f"insert into raw_billing.payments select * {mine}",
    )
    assert run_captured(wh, reports)[0].exit_code == 10
    export = reports / "exports" / f"account_{account}.json"
    assert cli(wh, "export", "--account", account, "--output", str(export)).exit_code == 0
    tiers_path = reports / "run_summary.last_tiers.json"
    tiers = json.loads(tiers_path.read_text())["tiers"]

    before = files_holding(reports, {account, *payments})
    where = {name.split("/")[0] for name, _ in before}
    assert {
        "run_summary.last_tiers.json",
        "run_summary.json",
        "gx",
        "data_docs",
        "exports",
    } <= where
    for place in ("run_summary.json", "gx", "data_docs"):
        assert {n for name, n in before if name.startswith(place)} & payments, place

    result = cli(wh, "erase", "--account", account, "--reports-dir", str(reports))
    assert result.exit_code == 0, result.output
    assert "value(s) redacted" in result.output and "deleted" in result.output
    assert files_holding(reports, {account, *payments}) == set()
    assert not export.exists()
    record = json.loads(tiers_path.read_text())  # still a record the next run can read
    assert record["tiers"] == {k: v for k, v in tiers.items() if k != account}
    for path in (reports / "gx").rglob("*.json"):
        json.loads(path.read_text())


def test_mentions_are_found_whole_in_any_case_and_phones_on_their_digits() -> None:
    subject = privacy.Subject(
        kind="contact",
        id="C0001234",
        contact_ids={"C0001234"},
        personal_values={"jo.smith@northwind.example", "+44 20 7946 0123"},
        phones={"+44 20 7946 0123"},
        names={"Jo O'Brien"},
    )
    redact = Redactor(Needles.of(subject))
    cases = {
        "Mail JO.SMITH@Northwind.Example now": f"Mail {REDACTED} now",
        "tel +44-20-7946-0123.": f"tel {REDACTED}.",
        "tel (44) 2079460123 or 0044 20 7946 0123": f"tel {REDACTED} or {REDACTED}",
        "jo   o'brien said": f"{REDACTED} said",
        "ref C0001234, not C00012345": f"ref {REDACTED}, not C00012345",
        # another person's email ending the same, a longer number: not theirs
        "mary.jo.smith@northwind.example": "mary.jo.smith@northwind.example",
        "+44 20 7946 01234": "+44 20 7946 01234",
    }
    for text, expected in cases.items():
        assert redact(text)[0] == expected, text


def test_a_json_report_keeps_its_shape_without_the_erased_ids() -> None:
    redactor = FileRedactor({"A000123", "PAY0004567"}, Needles(frozenset(), frozenset()))
    record = {"tiers": {"A000123": "critical", "A000124": "healthy"}, "score_date": "2026-09-30"}
    assert _redact_json(record, redactor.redact) == (
        {"tiers": {"A000124": "healthy"}, "score_date": "2026-09-30"},
        1,
    )
    keys = {"unexpected_index_list": [{"payment_id": "PAY0004567"}, {"payment_id": "PAY0004568"}]}
    assert _redact_json(keys, redactor.redact)[0] == {
        "unexpected_index_list": [{"payment_id": REDACTED}, {"payment_id": "PAY0004568"}]
    }
    assert redactor.redact("<td>account_A000123.json</td>", page=True)[0] == (
        f"<td>account_{REDACTED}.json</td>"
    )
