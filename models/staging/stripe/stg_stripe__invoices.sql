-- One row per row of Stripe's `invoice` table (in_...): renamed and typed; amounts stay in the
-- currency's minor unit (the mapping view converts them).
{%- set invoice = stripe_table('invoice') %}
{%- set text, flag = dbt.type_string(), dbt.type_boolean() %}
{%- set bigint, stamp = dbt.type_bigint(), dbt.type_timestamp() %}

with

source as (

    select
        {{ stripe_column(invoice, 'id', text) }} as invoice_id,
        {{ stripe_column(invoice, 'customer_id', text) }} as customer_id,
        {{ stripe_column(invoice, 'subscription_id', text) }} as subscription_id,
        lower(trim({{ stripe_column(invoice, 'currency', text) }})) as currency,
        lower(trim({{ stripe_column(invoice, 'status', text) }})) as status,
        coalesce(
            {{ stripe_column(invoice, 'total', bigint) }},
            {{ stripe_column(invoice, 'amount_due', bigint) }}
        ) as total_minor,
        {{ stripe_column(invoice, 'amount_remaining', bigint) }} as amount_remaining_minor,
        {{ stripe_column(invoice, 'attempt_count', bigint) }} as attempt_count,
        {{ stripe_column(invoice, 'created', stamp) }} as created_at,
        {{ stripe_column(invoice, 'due_date', stamp) }} as due_at,
        {{ stripe_column(invoice, 'status_transitions_paid_at', stamp) }} as paid_at,
        {{ stripe_column(invoice, 'status_transitions_marked_uncollectible_at',
            stamp) }} as marked_uncollectible_at,
        coalesce({{ stripe_column(invoice, 'livemode', flag) }}, true) as is_livemode,
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
