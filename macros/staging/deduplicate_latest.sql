{#- Keep the latest version of each key, and count the versions collapsed into it.

    Emits a complete select statement over `relation` (a CTE name or a relation). It returns
    every column of `relation`, plus `source_versions` (the number of raw rows that share the
    kept row's key, so sum(source_versions) = raw row count) and a helper column
    `dedupe_row_number` the caller leaves out. Portable: window functions only. -#}
{% macro deduplicate_latest(relation, partition_by, order_by='_loaded_at desc nulls last') -%}
    {%- set partition_columns = partition_by if partition_by is not string else [partition_by] -%}
    select *
    from (
        select
            {{ relation }}.*,
            row_number() over (
                partition by {{ partition_columns | join(', ') }}
                order by {{ order_by }}
            ) as dedupe_row_number,
            count(*) over (
                partition by {{ partition_columns | join(', ') }}
            ) as source_versions
        from {{ relation }}
    ) as versions
    where dedupe_row_number = 1
{%- endmacro %}
