-- One row per row of Stripe's `invoice` table (in_...): renamed and typed; amounts stay in the
-- currency's minor unit (the mapping view converts them).
{%- set invoice = stripe_table('invoice') %}

with

source as (

    select
        {{ stripe_column(invoice, 'id', dbt.type_string()) }} as invoice_id,
        {{ stripe_column(invoice, 'customer_id', dbt.type_string()) }} as customer_id,
        {{ stripe_column(invoice, 'subscription_id', dbt.type_string()) }} as subscription_id,
        lower(trim({{ stripe_column(invoice, 'currency', dbt.type_string()) }})) as currency,
        lower(trim({{ stripe_column(invoice, 'status', dbt.type_string()) }})) as status,
        coalesce(
            {{ stripe_column(invoice, 'total', dbt.type_bigint()) }},
            {{ stripe_column(invoice, 'amount_due', dbt.type_bigint()) }}
        ) as total_minor,
        {{ stripe_column(invoice, 'amount_remaining', dbt.type_bigint()) }} as amount_remaining_minor,
        {{ stripe_column(invoice, 'attempt_count', dbt.type_bigint()) }} as attempt_count,
        {{ stripe_column(invoice, 'created', dbt.type_timestamp()) }} as created_at,
        {{ stripe_column(invoice, 'due_date', dbt.type_timestamp()) }} as due_at,
        {{ stripe_column(invoice, 'status_transitions_paid_at', dbt.type_timestamp()) }} as paid_at,
        {{ stripe_column(invoice, 'status_transitions_marked_uncollectible_at',
            dbt.type_timestamp()) }} as marked_uncollectible_at,
        coalesce({{ stripe_column(invoice, 'livemode', dbt.type_boolean()) }}, true) as is_livemode,
        {{ stripe_deleted(invoice) }} as is_deleted,
        {{ stripe_loaded_at(invoice) }} as loaded_at
    from {{ stripe_from(invoice, 'invoice') }}
    {{- stripe_where_exists(invoice) }}

),

final as (

    select
        -- ids
        invoice_id,
        customer_id,
        subscription_id,
        -- attributes
        currency,
        status,
        attempt_count,
        -- measures (minor units)
        total_minor,
        amount_remaining_minor,
        -- dates
        created_at,
        due_at,
        paid_at,
        marked_uncollectible_at,
        -- housekeeping
        is_livemode,
        is_deleted,
        loaded_at
    from source

)

select * from final
