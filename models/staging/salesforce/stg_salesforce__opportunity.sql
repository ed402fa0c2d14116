-- Salesforce opportunities, one row per connector row (one per version in history mode),
-- renamed and typed. Renewals are told apart by `type` (org-defined picklist values: vars).
{%- set columns = salesforce_columns('opportunity') %}
{%- set string = dbt.type_string() %}
{%- set boolean = dbt.type_boolean() %}

with

source as (

    select * from {{ source('salesforce', 'opportunity') }}

),

renamed as (

    select
        -- ids
        {{ salesforce_reference(columns, 'id') }} as opportunity_id,
        {{ salesforce_reference(columns, 'account_id') }} as account_reference,
        {{ salesforce_reference(columns, 'contract_id') }} as contract_reference,
        -- dimensions
        {{ salesforce_column(columns, 'type', string) }} as opportunity_type,
        {{ salesforce_column(columns, 'stage_name', string) }} as stage_name,
        upper(trim(coalesce(
            {{ salesforce_column(columns, 'currency_iso_code', string) }},
            '{{ var('salesforce_default_currency', 'USD') }}'
        ))) as currency,
        -- measures
        {{ salesforce_column(columns, 'amount', type_double()) }} as amount,
        {{ salesforce_column(
            columns, var('salesforce_opportunity_previous_amount_column', none), type_double()
        ) }} as previous_amount,
        -- flags
        {{ salesforce_column(columns, 'is_closed', boolean) }} as is_closed,
        {{ salesforce_column(columns, 'is_won', boolean) }} as is_won,
        -- dates
        {{ salesforce_column(columns, 'close_date', 'date') }} as close_date,
        -- housekeeping
        {{- salesforce_housekeeping(columns) }}
    from source

),

final as (

    select * from renamed

)

select * from final
