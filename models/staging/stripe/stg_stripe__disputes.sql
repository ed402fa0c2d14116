-- One row per row of Stripe's `dispute` table (dp_..., du_...): renamed and typed; amounts stay
-- in the currency's minor unit. A dispute reaches its customer and invoice through its charge.
{%- set dispute = stripe_table('dispute') %}
{%- set text, flag = dbt.type_string(), dbt.type_boolean() %}
{%- set bigint, stamp = dbt.type_bigint(), dbt.type_timestamp() %}

with

source as (

    select
        {{ stripe_column(dispute, 'id', text) }} as dispute_id,
        {{ stripe_column(dispute, 'charge_id', text) }} as charge_id,
        lower(trim({{ stripe_column(dispute, 'currency', text) }})) as currency,
        lower(trim({{ stripe_column(dispute, 'status', text) }})) as status,
        lower(trim({{ stripe_column(dispute, 'reason', text) }})) as reason,
        {{ stripe_column(dispute, 'amount', bigint) }} as amount_minor,
        {{ stripe_column(dispute, 'created', stamp) }} as created_at,
        coalesce({{ stripe_column(dispute, 'livemode', flag) }}, true) as is_livemode,
        {{ stripe_deleted(dispute) }} as is_deleted,
        {{ stripe_loaded_at(dispute) }} as loaded_at
    from {{ stripe_from(dispute, 'dispute') }}
    {{- stripe_where_exists(dispute) }}

),

final as (

    select
        -- ids
        dispute_id,
        charge_id,
        -- attributes
        currency,
        status,
        reason,
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
