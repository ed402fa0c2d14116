-- One row per row of Stripe's `dispute` table (dp_..., du_...): renamed and typed; amounts stay
-- in the currency's minor unit. A dispute reaches its customer and invoice through its charge.
{%- set dispute = stripe_table('dispute') %}

with

source as (

    select
        {{ stripe_column(dispute, 'id', dbt.type_string()) }} as dispute_id,
        {{ stripe_column(dispute, 'charge_id', dbt.type_string()) }} as charge_id,
        lower(trim({{ stripe_column(dispute, 'currency', dbt.type_string()) }})) as currency,
        lower(trim({{ stripe_column(dispute, 'status', dbt.type_string()) }})) as status,
        lower(trim({{ stripe_column(dispute, 'reason', dbt.type_string()) }})) as reason,
        {{ stripe_column(dispute, 'amount', dbt.type_bigint()) }} as amount_minor,
        {{ stripe_column(dispute, 'created', dbt.type_timestamp()) }} as created_at,
        coalesce({{ stripe_column(dispute, 'livemode', dbt.type_boolean()) }}, true) as is_livemode,
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
