-- One row per Stripe table read and the contract table its rows go to
-- (quarantine.connector_reconciliation): connector_rows = mapped_rows + unused_rows, with the
-- reasons rows are left out on purpose (test mode, older history versions, drafts, ...).
-- Customers go to the identity map (int_identity__account_map) rather than a contract table.
{%- set use_history = var('stripe_using_subscription_history', none) %}
{%- if use_history is none %}
    {%- set use_history = stripe_table('subscription_history').exists %}
{%- endif %}
{%- set subscription_table = 'subscription_history' if use_history else 'subscription' %}
{%- set older_versions = "'older versions (the current one is mapped), or signups never paid'" %}
{%- set unchanged_items = "'versions that change no seats, MRR or plan (first versions), or of "
    ~ "subscriptions left out; current items make billing.subscriptions'" %}

with

customers as (
    select * from {{ ref('stg_stripe__customers') }}
),

subscriptions as (
    select * from {{ ref('stg_stripe__subscriptions') }}
),

items as (
    select * from {{ ref('stg_stripe__subscription_items') }}
),

prices as (
    select * from {{ ref('stg_stripe__prices') }}
),

invoices as (
    select * from {{ ref('stg_stripe__invoices') }}
),

charges as (
    select * from {{ ref('stg_stripe__charges') }}
),

disputes as (
    select * from {{ ref('stg_stripe__disputes') }}
),

mapped_subscriptions as (
    select subscription_id from {{ ref('stg_stripe__contract_subscriptions') }}
),

plan_changes as (
    select distinct
        subscription_id,
        changed_at
    from {{ ref('stg_stripe__contract_plan_changes') }}
),

subscription_uses as (

    -- the current version of a subscription its mapping view sends on is mapped
    select
        subscriptions.is_livemode,
        case
            when mapped_subscriptions.subscription_id is not null and subscriptions.is_current
                then 1
            else 0
        end as is_mapped
    from subscriptions
    left join mapped_subscriptions
        on subscriptions.subscription_id = mapped_subscriptions.subscription_id

),

item_uses as (

    -- an item version is mapped when a plan change starts with it
    select
        case when mapped_subscriptions.subscription_id is not null then 1 else 0 end
            as of_mapped_subscription,
        case when plan_changes.subscription_id is not null then 1 else 0 end as starts_change
    from items
    left join mapped_subscriptions
        on items.subscription_id = mapped_subscriptions.subscription_id
    left join plan_changes
        on
            items.subscription_id = plan_changes.subscription_id
            and items.valid_from = plan_changes.changed_at

),

used_prices as (
    select distinct price_id from items
),

counts as (

    select
        'customer' as connector_table,
        'identity.account_map' as contract_table,
        count(*) as connector_rows,
        sum(case when is_livemode then 1 else 0 end) as mapped_rows,
        sum(case when not is_livemode then 1 else 0 end) as test_mode_rows,
        0 as other_rows,
        '' as other_reason
    from customers

    union all

    select
        '{{ subscription_table }}' as connector_table,
        'billing.subscriptions' as contract_table,
        count(*) as connector_rows,
        sum(is_mapped) as mapped_rows,
        sum(case when not is_livemode then 1 else 0 end) as test_mode_rows,
        sum(case when is_livemode and is_mapped = 0 then 1 else 0 end) as other_rows,
        {{ older_versions }} as other_reason
    from subscription_uses

    union all

    select
        'subscription_item' as connector_table,
        'billing.plan_changes' as contract_table,
        count(*) as connector_rows,
        sum(of_mapped_subscription * starts_change) as mapped_rows,
        0 as test_mode_rows,
        count(*) - sum(of_mapped_subscription * starts_change) as other_rows,
        {{ unchanged_items }} as other_reason
    from item_uses

    union all

    select
        prices.price_source as connector_table,
        'billing.subscriptions' as contract_table,
        count(*) as connector_rows,
        sum(case when used_prices.price_id is not null then 1 else 0 end) as mapped_rows,
        0 as test_mode_rows,
        sum(case when used_prices.price_id is null then 1 else 0 end) as other_rows,
        'no subscription item uses it' as other_reason
    from prices
    left join used_prices
        on prices.price_id = used_prices.price_id
    group by 1

    union all

    select
        'invoice' as connector_table,
        'billing.invoices' as contract_table,
        count(*) as connector_rows,
        sum(case when is_livemode and coalesce(status, '') != 'draft' then 1 else 0 end)
            as mapped_rows,
        sum(case when not is_livemode then 1 else 0 end) as test_mode_rows,
        sum(case when is_livemode and status = 'draft' then 1 else 0 end) as other_rows,
        'drafts (never issued)' as other_reason
    from invoices

    union all

    select
        'charge' as connector_table,
        'billing.payments' as contract_table,
        count(*) as connector_rows,
        sum(case when is_livemode and coalesce(status, '') != 'pending' then 1 else 0 end)
            as mapped_rows,
        sum(case when not is_livemode then 1 else 0 end) as test_mode_rows,
        sum(case when is_livemode and status = 'pending' then 1 else 0 end) as other_rows,
        'pending charges (no outcome yet)' as other_reason
    from charges

    union all

    select
        'dispute' as connector_table,
        'billing.disputes' as contract_table,
        count(*) as connector_rows,
        sum(case when is_livemode then 1 else 0 end) as mapped_rows,
        sum(case when not is_livemode then 1 else 0 end) as test_mode_rows,
        0 as other_rows,
        '' as other_reason
    from disputes

),

final as (

    select
        'stripe' as connector,
        connector_table,
        contract_table,
        connector_rows,
        coalesce(mapped_rows, 0) as mapped_rows,
        coalesce(test_mode_rows, 0) + coalesce(other_rows, 0) as unused_rows,
        nullif(
            {{ dbt.concat([
                "case when coalesce(test_mode_rows, 0) > 0 then "
                ~ dbt.concat(["cast(test_mode_rows as " ~ dbt.type_string() ~ ")", "' test-mode rows (livemode = false)'"])
                ~ " else '' end",
                "case when coalesce(test_mode_rows, 0) > 0 and coalesce(other_rows, 0) > 0 then '; ' else '' end",
                "case when coalesce(other_rows, 0) > 0 then "
                ~ dbt.concat(["cast(other_rows as " ~ dbt.type_string() ~ ")", "' '", "other_reason"])
                ~ " else '' end",
            ]) }},
            ''
        ) as unused_reason
    from counts

)

select * from final
