-- One row per row of Stripe's `charge` table (ch_..., py_...): every payment attempt, renamed
-- and typed; amounts stay in the currency's minor unit.
{%- set charge = stripe_table('charge') %}

with

source as (

    select
        {{ stripe_column(charge, 'id', dbt.type_string()) }} as charge_id,
        {{ stripe_column(charge, 'customer_id', dbt.type_string()) }} as customer_id,
        {{ stripe_column(charge, 'invoice_id', dbt.type_string()) }} as invoice_id,
        lower(trim({{ stripe_column(charge, 'currency', dbt.type_string()) }})) as currency,
        lower(trim({{ stripe_column(charge, 'status', dbt.type_string()) }})) as status,
        nullif(trim({{ stripe_column(charge, 'failure_code', dbt.type_string()) }}), '') as failure_code,
        nullif(trim({{ stripe_column(charge, 'outcome_reason', dbt.type_string()) }}), '') as outcome_reason,
        {{ stripe_column(charge, 'amount', dbt.type_bigint()) }} as amount_minor,
        {{ stripe_column(charge, 'created', dbt.type_timestamp()) }} as created_at,
        coalesce({{ stripe_column(charge, 'livemode', dbt.type_boolean()) }}, true) as is_livemode,
        {{ stripe_deleted(charge) }} as is_deleted,
        {{ stripe_loaded_at(charge) }} as loaded_at
    from {{ stripe_from(charge, 'charge') }}
    {{- stripe_where_exists(charge) }}

),

final as (

    select
        -- ids
        charge_id,
        customer_id,
        invoice_id,
        -- attributes
        currency,
        status,
        failure_code,
        outcome_reason,
        -- measures (minor units)
        amount_minor,
        -- dates
        created_at,
        -- housekeeping
        is_livemode,
        is_deleted,
        loaded_at
    from source

)

select * from final
