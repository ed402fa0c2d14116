-- One row per row of Stripe's `price` and legacy `plan` tables (price_source says which): what
-- a subscription item costs per unit, in minor units (unit_amount_decimal, which keeps
-- fractions of a cent, before unit_amount), per billing period of interval_count intervals.
{%- set price = stripe_table('price') %}
{%- set plan = stripe_table('plan') %}
{%- set text, flag = dbt.type_string(), dbt.type_boolean() %}
{%- set bigint, stamp = dbt.type_bigint(), dbt.type_timestamp() %}

with

prices as (

    select
        {{ stripe_column(price, 'id', text) }} as price_id,
        'price' as price_source,
        {{ stripe_column(price, 'nickname', text) }} as nickname,
        {{ stripe_column(price, 'product_id', text) }} as product_id,
        lower(trim({{ stripe_column(price, 'currency', text) }})) as currency,
        coalesce(
            {{ stripe_text_number(price, 'unit_amount_decimal') }},
            {{ stripe_column(price, 'unit_amount', type_double()) }}
        ) as unit_amount_minor,
        lower(trim({{ stripe_column(price, 'recurring_interval', text) }})) as billing_interval,
        {{ stripe_column(price, 'recurring_interval_count', bigint) }} as interval_count,
        lower(trim({{ stripe_column(price, 'recurring_usage_type', text) }})) as usage_type,
        lower(trim({{ stripe_column(price, 'type', text) }})) as price_type,
        coalesce({{ stripe_column(price, 'livemode', flag) }}, true) as is_livemode,
        {{ stripe_deleted(price) }} as is_deleted,
        {{ stripe_loaded_at(price) }} as loaded_at
    from {{ stripe_from(price, 'price') }}
    {{- stripe_where_exists(price) }}

),

plans as (

    select
        {{ stripe_column(plan, 'id', text) }} as price_id,
        'plan' as price_source,
        {{ stripe_column(plan, 'nickname', text) }} as nickname,
        {{ stripe_column(plan, 'product_id', text) }} as product_id,
        lower(trim({{ stripe_column(plan, 'currency', text) }})) as currency,
        coalesce(
            {{ stripe_text_number(plan, 'amount_decimal') }},
            {{ stripe_column(plan, 'amount', type_double()) }}
        ) as unit_amount_minor,
        lower(trim({{ stripe_column(plan, 'interval', text) }})) as billing_interval,
        {{ stripe_column(plan, 'interval_count', bigint) }} as interval_count,
        lower(trim({{ stripe_column(plan, 'usage_type', text) }})) as usage_type,
        'recurring' as price_type,
        coalesce({{ stripe_column(plan, 'livemode', flag) }}, true) as is_livemode,
        {{ stripe_deleted(plan) }} as is_deleted,
        {{ stripe_loaded_at(plan) }} as loaded_at
    from {{ stripe_from(plan, 'plan') }}
    {{- stripe_where_exists(plan) }}

),

unioned as (

    select * from prices
    union all
    select * from plans

),

final as (

    select
        -- ids
        price_id,
        price_source,
        product_id,
        -- attributes
        nickname,
        currency,
        billing_interval,
        coalesce(interval_count, 1) as interval_count,
        usage_type,
        price_type,
        -- measures
        unit_amount_minor,
        -- billing periods per month (a yearly price bills 1/12 of its amount a month)
        case billing_interval
            when 'month' then 1.0 / coalesce(interval_count, 1)
            when 'year' then 1.0 / (12 * coalesce(interval_count, 1))
            when 'week' then 52.0 / (12 * coalesce(interval_count, 1))
            when 'day' then 365.0 / (12 * coalesce(interval_count, 1))
        end as periods_per_month,
        -- housekeeping
        is_livemode,
        is_deleted,
        loaded_at
    from unioned

)

select * from final
