-- Salesforce contracts (the standard Contract object, when synced), one row per connector row,
-- renamed and typed. The ARR and the renewal date live in custom fields whose names are vars.
-- Absent when the object is not synced: no rows.
{%- set columns = salesforce_columns('contract') %}
{%- set string = dbt.type_string() %}

with

source as (

    {% if salesforce_table_missing(columns) %}
        select 1 as no_column
        where 1 = 0
    {% else %}
        select * from {{ source('salesforce', 'contract') }}
    {% endif %}

),

renamed as (

    select
        -- ids
        {{ salesforce_reference(columns, 'id') }} as contract_id,
        {{ salesforce_reference(columns, 'account_id') }} as account_reference,
        {{ salesforce_column(columns, 'contract_number', string) }} as contract_number,
        -- dimensions
        {{ salesforce_column(columns, 'status', string) }} as contract_status,
        upper(trim(coalesce(
            {{ salesforce_column(columns, 'currency_iso_code', string) }},
            '{{ var('salesforce_default_currency', 'USD') }}'
        ))) as currency,
        -- measures
        {{ salesforce_column(
            columns, var('salesforce_contract_arr_column', none), type_double()
        ) }} as arr_amount,
        {{ salesforce_column(columns, 'contract_term', dbt.type_bigint()) }}
            as contract_term_months,
        -- dates
        {{ salesforce_column(columns, 'start_date', 'date') }} as start_date,
        {{ salesforce_column(columns, 'end_date', 'date') }} as end_date,
        {{ salesforce_column(
            columns, var('salesforce_contract_renewal_date_column', none), 'date'
        ) }} as renewal_date,
        -- housekeeping
        {{- salesforce_housekeeping(columns) }}
    from source

),

final as (

    select * from renamed

)

select * from final
