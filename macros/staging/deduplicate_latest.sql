{#- Keep the latest version of each key, and count the versions collapsed into it.

    Emits a complete select statement over `relation` (a CTE name or a relation). It returns
    every column of `relation`, plus `source_versions` (the number of raw rows that share the
    kept row's key, so sum(source_versions) = raw row count) and a helper column
    `dedupe_row_number` the caller leaves out. Rows whose key is null collapse into one row too
    (the base models quarantine it as missing_key, with the count).

    With `content_hash` (a column holding a hash of the row's content), it also returns
    `conflicting_versions`: the number of versions sharing the kept row's `_loaded_at` whose
    content differs from the kept row's, beyond the first. Two different rows loaded at the same
    instant leave no way to tell which is the latest, so the base models quarantine the key as
    conflicting_duplicate instead of picking one at random. Portable: window functions only. -#}
{% macro deduplicate_latest(relation, partition_by, order_by='_loaded_at desc nulls last', content_hash=none) -%}
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
            {%- if content_hash %},
            case
                when min({{ content_hash }}) over (
                    partition by {{ partition_columns | join(', ') }}, _loaded_at
                ) = max({{ content_hash }}) over (
                    partition by {{ partition_columns | join(', ') }}, _loaded_at
                ) then 0
                else count(*) over (partition by {{ partition_columns | join(', ') }}, _loaded_at)
            end as conflicting_versions
            {%- endif %}
        from {{ relation }}
    ) as versions
    where dedupe_row_number = 1
{%- endmacro %}

{#- A hash of a raw row's content: every contract column the table has (`columns`, as given by
    contract_columns) except those in `exclude`. Two versions of a row with the same hash hold
    the same content; columns outside the contract, and optional columns the table lacks, do
    not count. -#}
{% macro content_hash(columns, exclude=['_loaded_at']) -%}
    {%- set names = [] -%}
    {%- for column in columns -%}
        {%- if ' ' not in column and column != '*' and column | lower not in exclude -%}
            {%- do names.append(adapter.quote(column)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ generate_surrogate_key(names if names else ["'no columns'"]) }}
{%- endmacro %}
