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
    conflicting_duplicate instead of picking one at random.

    With `since_hash` (a column holding a hash of a few tracked columns, e.g. a status), it also
    returns `since_loaded_at`: the earliest `_loaded_at` of the unbroken run of versions, ending
    with the kept one, whose tracked columns hold the kept row's values. A status without a date
    of its own is dated by the load that first said it, not by the latest re-export of the same
    row. Portable: window functions only. -#}
{% macro deduplicate_latest(relation, partition_by, order_by='_loaded_at desc nulls last', content_hash=none, since_hash=none) -%}
    {%- set partition = (partition_by if partition_by is not string else [partition_by]) | join(', ') -%}
    {%- set versions -%}
        select
            {{ relation }}.*,
            row_number() over (partition by {{ partition }} order by {{ order_by }})
                as dedupe_row_number,
            count(*) over (partition by {{ partition }}) as source_versions
            {%- if content_hash %},
            case
                when min({{ content_hash }}) over (
                    partition by {{ partition }}, _loaded_at
                ) = max({{ content_hash }}) over (
                    partition by {{ partition }}, _loaded_at
                ) then 0
                else count(*) over (partition by {{ partition }}, _loaded_at)
            end as conflicting_versions
            {%- endif %}
        from {{ relation }}
    {%- endset -%}
    {%- if since_hash %}
    select *
    from (
        select
            *,
            min(case
                when
                    {{ since_hash }} = kept_since_hash
                    and (other_since_loaded_at is null or _loaded_at > other_since_loaded_at)
                    then _loaded_at
            end) over (partition by {{ partition }}) as since_loaded_at
        from (
            select
                *,
                max(case when {{ since_hash }} <> kept_since_hash then _loaded_at end) over (
                    partition by {{ partition }}
                ) as other_since_loaded_at
            from (
                select
                    *,
                    max(case when dedupe_row_number = 1 then {{ since_hash }} end) over (
                        partition by {{ partition }}
                    ) as kept_since_hash
                from ({{ versions }}) as all_versions
            ) as with_kept_hash
        ) as with_other_load
    ) as versions
    where dedupe_row_number = 1
    {%- else %}
    select *
    from ({{ versions }}) as versions
    where dedupe_row_number = 1
    {%- endif %}
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
