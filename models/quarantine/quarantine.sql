-- Every raw row that staging did not take, with why: one row per quarantined key (all of
-- its versions are counted in source_versions). The reason codes and what to do about each
-- are in docs/bad_input.md; quarantine_reconciliation proves that nothing is lost.
{%- set base_tables = raw_tables() %}

with

quarantined as (

    {% for source_name, table_name in base_tables %}
        {%- set account_id = 'account_id' if table_name != 'features'
            else 'cast(null as ' ~ dbt.type_string() ~ ')' %}
        select
            '{{ source_name }}.{{ table_name }}' as raw_table,
            record_key,
            {{ account_id }} as account_id,  -- noqa: AL09
            org_id,
            quarantine_reason,
            quarantine_detail,
            source_versions,
            loaded_at
        from {{ ref('base_' ~ source_name ~ '__' ~ table_name) }}
        where quarantine_reason is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        raw_table,
        record_key,
        account_id,
        org_id,
        quarantine_reason,
        quarantine_detail,
        cast(source_versions as {{ dbt.type_bigint() }}) as source_versions,
        loaded_at
    from quarantined

)

select * from final
