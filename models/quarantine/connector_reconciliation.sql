-- One row per connector table read (docs/connectors.md): every row of it is mapped onto a
-- contract table (where quarantine_reconciliation takes over) or left out on purpose, with the
-- reason (an invitee copy of a meeting counted once through its parent, ...):
--     connector_rows = mapped_rows + unused_rows
-- A test fails the build otherwise. Built only when a family is landed in a connector shape.
{%- set connectors = [] %}
{%- for family in ['crm', 'support', 'billing', 'product'] %}
    {%- if shape_of(family) != 'contract' and shape_of(family) not in connectors %}
        {%- do connectors.append(shape_of(family)) %}
    {%- endif %}
{%- endfor %}
{{ config(enabled=connectors | length > 0) }}

with

counts as (

    {% for connector in connectors %}
        select
            connector,
            connector_table,
            contract_table,
            connector_rows,
            mapped_rows,
            unused_rows,
            unused_reason
        from {{ ref('stg_' ~ connector ~ '__reconciliation') }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        cast(connector as {{ dbt.type_string() }}) as connector,
        cast(connector_table as {{ dbt.type_string() }}) as connector_table,
        cast(contract_table as {{ dbt.type_string() }}) as contract_table,
        cast(connector_rows as {{ dbt.type_bigint() }}) as connector_rows,
        cast(mapped_rows as {{ dbt.type_bigint() }}) as mapped_rows,
        cast(unused_rows as {{ dbt.type_bigint() }}) as unused_rows,
        cast(unused_reason as {{ dbt.type_string() }}) as unused_reason,
        cast(connector_rows - mapped_rows - unused_rows as {{ dbt.type_bigint() }})
            as unaccounted_rows
    from counts

)

select * from final
