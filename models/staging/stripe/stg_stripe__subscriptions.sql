-- One row per row of Stripe's subscriptions (sub_...): every version of `subscription_history`
-- (history mode), or the rows of `subscription` without it (var
-- stripe_using_subscription_history; by default the history when the schema has it). The
-- current version of a subscription is its latest (is_current); a history-mode subscription
-- whose latest version is no longer active was deleted at the source.
{%- set history = stripe_table('subscription_history') %}
{%- set plain = stripe_table('subscription') %}
{%- set use_history = var('stripe_using_subscription_history', none) %}
{%- if use_history is none %}{% set use_history = history.exists %}{% endif %}
{%- set subscription = history if use_history else plain %}
{%- set metadata_key = var('stripe_crm_id_metadata_key', 'crm_account_id') %}
{%- set text, flag = dbt.type_string(), dbt.type_boolean() %}
{%- set bigint, stamp = dbt.type_bigint(), dbt.type_timestamp() %}

with

source as (

    select
        {{ stripe_column(subscription, 'id', text) }} as subscription_id,
        {{ stripe_column(subscription, 'customer_id', text) }} as customer_id,
        lower(trim({{ stripe_column(subscription, 'status', text) }})) as status,
        {{ stripe_column(subscription, 'quantity', bigint) }} as quantity,
        {{ stripe_column(subscription, 'metadata', text) }} as metadata,
        {{ stripe_column(subscription, 'cancel_at_period_end', flag) }}
            as is_cancel_at_period_end,
        {{ stripe_column(subscription, 'created', stamp) }} as created_at,
        {{ stripe_column(subscription, 'start_date', stamp) }} as start_date,
        {{ stripe_column(subscription, 'canceled_at', stamp) }} as canceled_at,
        {{ stripe_column(subscription, 'cancel_at', stamp) }} as cancel_at,
        {{ stripe_column(subscription, 'ended_at', stamp) }} as ended_at,
        {{ stripe_column(subscription, 'current_period_start', stamp) }}
            as current_period_start,
        {{ stripe_column(subscription, 'current_period_end', stamp) }}
            as current_period_end,
        {{ stripe_column(subscription, '_fivetran_active', flag) }} as is_active_version,
        coalesce({{ stripe_column(subscription, 'livemode', flag) }}, true) as is_livemode,
        {{ stripe_deleted(subscription) }} as is_deleted_flag,
        {{ stripe_loaded_at(subscription) }} as loaded_at,
        {{ stripe_column(subscription, var('connector_loaded_at_column', '_fivetran_synced'),
            stamp) }} as synced_at
    from {{ stripe_from(subscription, 'subscription') }}
    {{- stripe_where_exists(subscription) }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by subscription_id order by loaded_at desc, synced_at desc
        ) as version_rank
    from source

),

final as (

    select
        -- ids
        subscription_id,
        customer_id,
        nullif(trim({{ stripe_json_value('metadata', metadata_key) }}), '') as explicit_crm_id,
        -- attributes
        status,
        quantity,
        metadata,
        is_cancel_at_period_end,
        -- dates
        created_at,
        start_date,
        canceled_at,
        cancel_at,
        ended_at,
        current_period_start,
        current_period_end,
        -- versions
        version_rank = 1 as is_current,
        -- housekeeping
        is_livemode,
        (is_deleted_flag or (version_rank = 1 and not coalesce(is_active_version, true)))
            as is_deleted,
        loaded_at,
        '{{ subscription.relation.identifier }}' as connector_table
    from ranked

)

select * from final
