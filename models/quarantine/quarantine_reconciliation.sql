-- One row per raw table: where each of its rows went. Every raw row is staged, or is an older
-- version collapsed into a staged row (a duplicate), or is quarantined with a reason:
--     raw_rows = staged_rows + duplicate_versions + quarantined_rows
-- unaccounted_rows is the difference, and a test fails the build if it is not 0.
{%- set staged_tables = raw_tables() %}

with

raw_counts as (

    {% for source_name, table_name in staged_tables %}
        {#- a connector shape: count the rows its mapping view lands in the table
            (connector_reconciliation accounts for the connector's own tables) #}
        {%- if shape_of(source_name) == 'contract' %}
            {%- set raw_relation = source(source_name, table_name) %}
        {%- else %}
            {%- set mapping_view = 'stg_' ~ shape_of(source_name) ~ '__contract_' ~ table_name %}
            {%- set raw_relation = ref(mapping_view) %}
        {%- endif %}
        select
            '{{ source_name }}.{{ table_name }}' as raw_table,
            count(*) as raw_rows
        from {{ raw_relation }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

staged_counts as (

    {% for source_name, table_name in staged_tables %}
        select
            '{{ source_name }}.{{ table_name }}' as raw_table,
            count(*) as staged_rows,
            coalesce(sum(source_versions), 0) - count(*) as duplicate_versions
        from {{ ref('stg_' ~ source_name ~ '__' ~ table_name) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

quarantine_counts as (

    select
        raw_table,
        count(*) as quarantined_keys,
        sum(source_versions) as quarantined_rows
    from {{ ref('quarantine') }}
    group by raw_table

),

final as (

    select
        raw_counts.raw_table,
        cast(raw_counts.raw_rows as {{ dbt.type_bigint() }}) as raw_rows,
        cast(staged_counts.staged_rows as {{ dbt.type_bigint() }}) as staged_rows,
        cast(staged_counts.duplicate_versions as {{ dbt.type_bigint() }}) as duplicate_versions,
        cast(
            coalesce(quarantine_counts.quarantined_rows, 0) as {{ dbt.type_bigint() }}
        ) as quarantined_rows,
        cast(
            coalesce(quarantine_counts.quarantined_keys, 0) as {{ dbt.type_bigint() }}
        ) as quarantined_keys,
        cast(
            raw_counts.raw_rows
            - staged_counts.staged_rows
            - staged_counts.duplicate_versions
            - coalesce(quarantine_counts.quarantined_rows, 0)
            as {{ dbt.type_bigint() }}
        ) as unaccounted_rows
    from raw_counts
    inner join staged_counts
        on raw_counts.raw_table = staged_counts.raw_table
    left join quarantine_counts
        on raw_counts.raw_table = quarantine_counts.raw_table

)

select * from final
