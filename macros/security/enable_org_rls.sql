{#- Row-level security on a public mart, by tenant (org_id), from role membership.

    Postgres: the table gets row-level security (not FORCEd: its owner, dbt's user, keeps
    reading and writing every row) and one select policy. A row is visible to a role that has
    the privileges of the role named var('org_role_prefix') ~ org_id (e.g.
    customer_health_org_acme), and every row to a role that has those of var('all_orgs_role').
    A table without an org_id column (a cross-tenant aggregate) is visible to the all-orgs
    role only. No other role sees a row; rows with an empty org_id (a single tenant) are for
    the all-orgs role. With var('bi_reader_role') set, that role gets usage on the schema and
    select on the table.

    A post-hook: dbt recreates a table on every build, and the policy and grants go with the
    old table, so they are applied again each time. Dropping and creating the policy keeps it
    idempotent on incremental models, whose table survives the run. Other engines: nothing. -#}
{% macro enable_org_rls(relation) -%}
    {{ return(adapter.dispatch('enable_org_rls', 'customer_health')(relation)) }}
{%- endmacro %}

{% macro default__enable_org_rls(relation) -%}
{%- endmacro %}

{% macro postgres__enable_org_rls(relation) -%}
    {%- if execute -%}
        {%- set columns = adapter.get_columns_in_relation(relation)
            | map(attribute='name') | map('lower') | list -%}
        {%- set prefix = customer_health.sql_string_literal(var('org_role_prefix')) -%}
        {%- set all_orgs = customer_health.sql_string_literal(var('all_orgs_role')) -%}
        alter table {{ relation }} enable row level security;
        alter table {{ relation }} no force row level security;
        drop policy if exists customer_health_org_rows on {{ relation }};
        create policy customer_health_org_rows on {{ relation }}
            as permissive
            for select
            to public
            using (
                exists (
                    select 1
                    from pg_catalog.pg_roles
                    where
                        rolname = {{ all_orgs }}
                        and pg_catalog.pg_has_role(current_user, oid, 'USAGE')
                )
                {%- if 'org_id' in columns %}
                    or org_id in (
                        select substr(rolname, length({{ prefix }}) + 1)
                        from pg_catalog.pg_roles
                        where
                            left(rolname, length({{ prefix }})) = {{ prefix }}
                            and pg_catalog.pg_has_role(current_user, oid, 'USAGE')
                    )
                {%- endif %}
            );
        {{ customer_health.grant_bi_reader(relation) }}
    {%- endif -%}
{%- endmacro %}

{#- Grant var('bi_reader_role'), when set, usage on the relation's schema and select on it
    (Postgres; other engines: nothing). For the tables without tenant rows, such as the
    semantic layer's time spine, that every reader may see whole. -#}
{% macro grant_bi_reader(relation) -%}
    {{ return(adapter.dispatch('grant_bi_reader', 'customer_health')(relation)) }}
{%- endmacro %}

{% macro default__grant_bi_reader(relation) -%}
{%- endmacro %}

{% macro postgres__grant_bi_reader(relation) -%}
    {%- set reader = var('bi_reader_role') -%}
    {%- if reader %}
        {#- models build in parallel, and two grants on one schema at once fail with "tuple
            concurrently updated": take turns, until each model's transaction commits #}
        select pg_catalog.pg_advisory_xact_lock(hashtext('customer_health.schema_grants'));
        grant usage on schema {{ adapter.quote(relation.schema) }} to {{ adapter.quote(reader) }};
        grant select on {{ relation }} to {{ adapter.quote(reader) }};
    {%- endif %}
{%- endmacro %}

{#- A Jinja string as a SQL string literal, single quotes doubled. -#}
{% macro sql_string_literal(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}
