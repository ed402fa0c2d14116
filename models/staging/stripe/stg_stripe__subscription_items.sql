-- One row per row of Stripe's `subscription_item` (si_...): a price and a quantity on a
-- subscription. In history mode (`_fivetran_start`) each row is a version, valid from
-- valid_from to valid_to (the next version's start; for an item removed from its subscription,
-- when it was removed); without it, one version per item, valid from its creation.
{%- set item = stripe_table('subscription_item') %}
{%- set history_mode = (not item.present) or '_fivetran_start' in item.present %}
{#- a version starts when it became current (history mode), else when the item was created #}
{%- set valid_from = 'coalesce(loaded_at, created_at)' if history_mode
    else 'coalesce(created_at, loaded_at)' %}
{%- set text, flag = dbt.type_string(), dbt.type_boolean() %}
{%- set bigint, stamp = dbt.type_bigint(), dbt.type_timestamp() %}

with

source as (

    select
        {{ stripe_column(item, 'id', text) }} as item_id,
        {{ stripe_column(item, 'subscription_id', text) }} as subscription_id,
        {{ stripe_column(item, ['plan_id', 'price_id'], text) }} as price_id,
        {{ stripe_column(item, 'quantity', bigint) }} as quantity,
        {{ stripe_column(item, 'created', stamp) }} as created_at,
        {{ stripe_column(item, '_fivetran_active', flag) }} as is_active_version,
        {{ stripe_column(item, '_fivetran_end', stamp) }} as version_end,
        {{ stripe_deleted(item) }} as is_deleted_flag,
        {{ stripe_loaded_at(item) }} as loaded_at,
        {{ stripe_column(item, var('connector_loaded_at_column', '_fivetran_synced'),
            stamp) }} as synced_at
    from {{ stripe_from(item, 'subscription_item') }}
    {{- stripe_where_exists(item) }}

),

versions as (

    select
        *,
        {{ valid_from }} as valid_from,
        row_number() over (
            partition by item_id order by loaded_at desc, synced_at desc
        ) as version_rank
    from source

),

bounded as (

    select
        *,
        lead(valid_from) over (
            partition by item_id order by valid_from, loaded_at
        ) as next_valid_from,
        version_rank = 1
        and (is_deleted_flag or not coalesce(is_active_version, true)) as is_removed
    from versions

),

final as (

    select
        -- ids
        item_id,
        subscription_id,
        price_id,
        -- measures
        quantity,
        -- validity
        valid_from,
        case
            when version_rank > 1 then next_valid_from
            when is_removed then coalesce(version_end, synced_at, loaded_at)
        end as valid_to,
        version_rank = 1 as is_current,
        -- dates
        created_at,
        -- housekeeping
        is_removed as is_deleted,
        loaded_at
    from bounded

)

select * from final
