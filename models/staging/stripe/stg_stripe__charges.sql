-- One row per row of Stripe's `charge` table (ch_..., py_...): every payment attempt, renamed
-- and typed; amounts stay in the currency's minor unit.
{%- set charge = stripe_table('charge') %}
{%- set text, flag = dbt.type_string(), dbt.type_boolean() %}
{%- set bigint, stamp = dbt.type_bigint(), dbt.type_timestamp() %}

with

source as (

    select
        {{ stripe_column(charge, 'id', text) }} as charge_id,
        {{ stripe_column(charge, 'customer_id', text) }} as customer_id,
        {{ stripe_column(charge, 'invoice_id', text) }} as invoice_id,
        lower(trim({{ stripe_column(charge, 'currency', text) }})) as currency,
        lower(trim({{ stripe_column(charge, 'status', text) }})) as status,
        nullif(trim({{ stripe_column(charge, 'failure_code', text) }}), '') as failure_code,
        nullif(trim({{ stripe_column(charge, 'outcome_reason', text) }}), '') as outcome_reason,
        {{ stripe_column(charge, 'amount', bigint) }} as amount_minor,
        {{ stripe_column(charge, 'created', stamp) }} as created_at,
        coalesce({{ stripe_column(charge, 'livemode', flag) }}, true) as is_livemode,
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
