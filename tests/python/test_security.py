"""Row-level security on the public marts (Postgres): a tenant's reader role sees its own org's
rows and nothing else, a reader without an org sees nothing, and the policies survive rebuilds
and incremental runs. The book is built by a plain (not superuser) owner, as in production, so
the owner really is subject to the table's security settings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg2
import pytest

from customer_health import dbt as dbt_runner
from customer_health import loader
from customer_health.pgcluster import PgCluster
from customer_health.warehouse import Warehouse

from .conftest import duckdb_warehouse

DBNAME = "customer_health_rls"
OWNER = "ch_rls_owner"  # dbt's user: owns the database and every table it builds
READERS = "ch_rls_readers"  # var bi_reader_role: the group the BI tool's logins belong to
ORG_PREFIX = "customer_health_org_"  # var org_role_prefix (default)
ALL_ORGS = "customer_health_all_orgs"  # var all_orgs_role (default)
ORGS = ("org_1", "org_2")
# login roles, as a BI tool would connect: one per tenant, one with no tenant, one for all
LOGINS = {
    "ch_rls_reader_org_1": [READERS, ORG_PREFIX + "org_1"],
    "ch_rls_reader_org_2": [READERS, ORG_PREFIX + "org_2"],
    "ch_rls_reader_none": [READERS],
    "ch_rls_reader_all": [READERS, ALL_ORGS],
}
# small, and every org-level public table has rows of both orgs (seed 7 lost its org_2 renewal
# alerts when the generator planted expansion drivers)
BOOK = {"accounts": 60, "days": 120, "seed": 9, "orgs": len(ORGS)}
PUBLIC_SCHEMAS = ("marts", "calibration")
DBT_VARS = {"bi_reader_role": READERS}


def _admin(cluster: PgCluster, *statements: str) -> None:
    con = psycopg2.connect(
        host=cluster.host, port=cluster.port, user=cluster.user, dbname="postgres"
    )
    con.autocommit = True
    with con.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
    con.close()


def _create_role(name: str, options: str = "nologin", member_of: tuple[str, ...] = ()) -> str:
    grants = "".join(f' grant "{group}" to "{name}";' for group in member_of)
    return (
        f"do $$ begin if not exists (select from pg_roles where rolname = '{name}') then "
        f'create role "{name}" {options}; end if;{grants} end $$'
    )


@pytest.fixture(scope="module")
def two_orgs(pg_cluster: PgCluster) -> Iterator[Warehouse]:
    """A small two-tenant book on Postgres, loaded and built by a non-superuser owner."""
    _admin(
        pg_cluster,
        _create_role(OWNER, "login"),
        _create_role(READERS),
        _create_role(ALL_ORGS),
        *(_create_role(ORG_PREFIX + org) for org in ORGS),
        *(_create_role(login, "login", tuple(groups)) for login, groups in LOGINS.items()),
    )
    pg_cluster.create_database(DBNAME)
    _admin(pg_cluster, f'alter database "{DBNAME}" owner to "{OWNER}"')
    wh = Warehouse(
        engine="postgres",
        pg_host=pg_cluster.host,
        pg_port=pg_cluster.port,
        pg_user=OWNER,
        pg_password="",
        pg_dbname=DBNAME,
    )
    assert not wh.query_df("select rolsuper from pg_roles where rolname = current_user").iloc[0, 0]
    loader.generate_and_load(wh, progress=False, **BOOK)
    # no data or unit tests: duck_built and pg_built run them; this book is about who sees what
    dbt_runner.run(
        ["build", "--full-refresh", "--exclude", "resource_type:test", "resource_type:unit_test"],
        wh,
        dbt_vars=DBT_VARS,
        quiet=True,
    )
    yield wh


def as_role(wh: Warehouse, login: str) -> Warehouse:
    return replace(wh, pg_user=login)


def public_tables(wh: Warehouse) -> dict[str, bool]:
    """Every table in the public schemas, and whether it has an org_id column."""
    frame = wh.query_df(
        "select t.table_schema, t.table_name, count(c.column_name) as has_org "
        "from information_schema.tables as t left join information_schema.columns as c "
        "on c.table_schema = t.table_schema and c.table_name = t.table_name "
        "and c.column_name = 'org_id' "
        f"where t.table_schema in {PUBLIC_SCHEMAS} and t.table_type = 'BASE TABLE' "
        "group by 1, 2"
    )
    return {f"{r.table_schema}.{r.table_name}": bool(r.has_org) for r in frame.itertuples()}


def rows_by_org(wh: Warehouse, relation: str, has_org: bool) -> dict[str | None, int]:
    org = "org_id" if has_org else "cast(null as text)"
    frame = wh.query_df(f"select {org} as org_id, count(*) as n from {relation} group by 1")
    return {r.org_id: int(r.n) for r in frame.itertuples()}


def test_the_owner_sees_both_orgs_in_every_public_mart(two_orgs: Warehouse) -> None:
    tables = public_tables(two_orgs)
    marts = [r for r in tables if r.startswith("marts.")]
    # the five health marts, the two diagnosis marts, the two expansion marts and the two
    # recovery-case tables, each with org_id
    assert len(marts) == 11 and all(tables[r] for r in marts), tables
    assert tables["calibration.rpt_alert_outcomes"]
    aggregates = 0  # rows in the tables without org_id (cross-tenant reports)
    for relation, has_org in tables.items():
        counts = rows_by_org(two_orgs, relation, has_org)
        if has_org:
            assert set(counts) == set(ORGS), f"{relation}: {counts}"
        else:
            aggregates += sum(counts.values())
    assert aggregates > 0, "the cross-tenant reports are empty: the test could not fail"


@pytest.mark.parametrize("org", ORGS)
def test_a_tenant_reader_sees_only_its_orgs_rows(two_orgs: Warehouse, org: str) -> None:
    reader = as_role(two_orgs, f"ch_rls_reader_{org}")
    for relation, has_org in public_tables(two_orgs).items():
        owner = rows_by_org(two_orgs, relation, has_org)
        seen = rows_by_org(reader, relation, has_org)
        if has_org:
            assert seen == {org: owner[org]}, f"{relation}: saw {seen}, owner {owner}"
        else:  # cross-tenant aggregates are for the all-orgs role only
            assert seen == {}, f"{relation}: saw {seen}"


def test_a_reader_without_an_org_sees_no_rows(two_orgs: Warehouse) -> None:
    reader = as_role(two_orgs, "ch_rls_reader_none")
    tables = public_tables(two_orgs)
    assert tables
    for relation, has_org in tables.items():
        assert rows_by_org(reader, relation, has_org) == {}, relation


def test_the_all_orgs_role_sees_every_row(two_orgs: Warehouse) -> None:
    reader = as_role(two_orgs, "ch_rls_reader_all")
    for relation, has_org in public_tables(two_orgs).items():
        assert rows_by_org(reader, relation, has_org) == rows_by_org(two_orgs, relation, has_org)


def test_a_reader_cannot_widen_what_it_sees(two_orgs: Warehouse) -> None:
    reader = as_role(two_orgs, "ch_rls_reader_org_1")
    relation = "marts.mart_account_health"
    # a session setting is not a tenant: membership of the org role is
    with reader.connect() as con, con.cursor() as cur:
        cur.execute("set customer_health.org_id = 'org_2'")
        cur.execute(f"select distinct org_id from {relation}")
        assert cur.fetchall() == [("org_1",)]
    refused = [
        f'set role "{ORG_PREFIX}org_2"',
        f"alter table {relation} disable row level security",
        f"drop policy customer_health_org_rows on {relation}",
        f"update {relation} set org_id = 'org_1'",
        f"delete from {relation}",
    ]
    for statement in refused:
        with pytest.raises(psycopg2.Error, match="permission denied|must be owner"):
            reader.execute(statement)
    # and nothing it tried changed the table
    assert set(rows_by_org(two_orgs, relation, True)) == set(ORGS)


def policies(wh: Warehouse) -> dict[str, tuple[bool, bool, int, str]]:
    """relation -> (row security on, forced, policies, the policy's command)."""
    frame = wh.query_df(
        "select n.nspname || '.' || c.relname as relation, c.relrowsecurity, "
        "c.relforcerowsecurity, count(p.polname) as policies, "
        "coalesce(max(cast(p.polcmd as text)), '') as cmd "
        "from pg_class as c join pg_namespace as n on n.oid = c.relnamespace "
        "left join pg_policy as p on p.polrelid = c.oid "
        f"where n.nspname in {PUBLIC_SCHEMAS} and c.relkind = 'r' group by 1, 2, 3"
    )
    return {
        r.relation: (bool(r.relrowsecurity), bool(r.relforcerowsecurity), int(r.policies), r.cmd)
        for r in frame.itertuples()
    }


def table_oids(wh: Warehouse) -> dict[str, int]:
    frame = wh.query_df(
        "select n.nspname || '.' || c.relname as relation, cast(c.oid as bigint) as oid "
        "from pg_class as c join pg_namespace as n on n.oid = c.relnamespace "
        f"where n.nspname in {PUBLIC_SCHEMAS} and c.relkind = 'r'"
    )
    return {r.relation: int(r.oid) for r in frame.itertuples()}


def test_every_public_table_has_one_select_policy_not_forced_on_the_owner(
    two_orgs: Warehouse,
) -> None:
    found = policies(two_orgs)
    assert set(found) == set(public_tables(two_orgs))
    for relation, state in found.items():
        assert state == (True, False, 1, "r"), f"{relation}: {state}"


def test_policies_and_grants_survive_a_rebuild_and_an_incremental_run(two_orgs: Warehouse) -> None:
    before = table_oids(two_orgs)
    reader = as_role(two_orgs, "ch_rls_reader_org_2")
    seen_before = {
        r: rows_by_org(reader, r, has_org) for r, has_org in public_tables(two_orgs).items()
    }
    dbt_runner.run(
        ["build", "--exclude", "resource_type:test", "resource_type:unit_test"],
        two_orgs,
        dbt_vars=DBT_VARS,
        quiet=True,
    )
    after = table_oids(two_orgs)
    history = "marts.mart_account_health_history"
    assert after[history] == before[history], "the incremental history was not kept"
    assert after["marts.mart_account_health"] != before["marts.mart_account_health"], (
        "the current mart was not rebuilt"
    )
    assert all(state == (True, False, 1, "r") for state in policies(two_orgs).values())
    seen_after = {
        r: rows_by_org(reader, r, has_org) for r, has_org in public_tables(two_orgs).items()
    }
    assert seen_after == seen_before
    assert seen_after[history] == {"org_2": rows_by_org(two_orgs, history, True)["org_2"]}


def test_the_policy_macro_renders_nothing_on_duckdb(tmp_path: Path) -> None:
    wh = duckdb_warehouse(tmp_path)
    result = dbt_runner.run(
        ["compile", "--inline", "[{{ enable_org_rls(ref('mart_account_health')) }}]"],
        wh,
        quiet=True,
    )
    assert result.result.results[0].node.compiled_code.strip() == "[]"
