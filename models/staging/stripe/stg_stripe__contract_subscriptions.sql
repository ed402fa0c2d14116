-- Stripe subscriptions in the columns of billing.subscriptions (base_billing__subscriptions
-- reads this view when billing_shape is stripe): one row per subscription, its current version.
-- Seats, MRR, plan and currency come from its current items (stg_stripe__subscription_states);
-- trialing, past_due, unpaid and paused subscriptions are still customers (active); a canceled
-- one ended at ended_at (when the cancellation was requested at period end, canceled_at is the
-- request). Test-mode subscriptions, older versions and signups that never paid (incomplete,
-- incomplete_expired) are left out (stg_stripe__reconciliation counts them).

with

subscriptions as (
    select * from {{ ref('stg_stripe__subscriptions') }}
    where
        is_current
        and is_livemode
        and coalesce(status, '') not in ('incomplete', 'incomplete_expired')
),

current_states as (
    select * from {{ ref('stg_stripe__subscription_states') }}
    where is_latest
),

identity as (
    -- the CRM account each Stripe customer maps to, and that account's tenant
    select
        account_map.*,
        crm_accounts.org_id as account_org_id
    from {{ ref('int_identity__account_map') }} as account_map
    left join {{ ref('stg_crm__accounts') }} as crm_accounts
        on account_map.crm_account_id = crm_accounts.account_id
    where account_map.source_system = 'stripe'
),

joined as (

    select
        subscriptions.subscription_id,
        subscriptions.customer_id,
        subscriptions.status as stripe_status,
        case
            when subscriptions.status = 'canceled' then 'cancelled'
            when subscriptions.status in ('active', 'trialing', 'past_due', 'unpaid', 'paused')
                then 'active'
        end as status,
        coalesce(subscriptions.start_date, subscriptions.created_at) as started_at,
        case
            when subscriptions.status = 'canceled'
                then coalesce(
                    subscriptions.ended_at, subscriptions.canceled_at, subscriptions.cancel_at
                )
        end as cancelled_at,
        current_states.subscription_id is not null as has_items,
        current_states.seats,
        current_states.mrr_minor,
        current_states.plan_name,
        current_states.currency,
        current_states.currency_count,
        current_states.unpriced_items,
        current_states.unpriced_price_id,
        subscriptions.is_deleted,
        -- the later of the subscription's and its items' current versions
        case
            when current_states.loaded_at > subscriptions.loaded_at then current_states.loaded_at
            else subscriptions.loaded_at
        end as loaded_at,
        identity.crm_account_id,
        identity.account_org_id,
        identity.source_account_id as identity_customer_id,
        identity.match_status,
        identity.match_detail
    from subscriptions
    left join current_states
        on subscriptions.subscription_id = current_states.subscription_id
    left join identity
        on subscriptions.customer_id = identity.source_account_id

),

{%- set mapping = stripe_mapping(
    stripe_identity_checks('customer_id')
    + [
        ('status is null', 'unknown_status', dbt.concat([
            "'subscription status '", "coalesce(stripe_status, '(none)')", "' is not one the adapter maps'"])),
        ('not has_items', 'no_subscription_items', dbt.concat([
            "'subscription '", 'subscription_id', "' has no subscription_item'"])),
        ('unpriced_items > 0', 'unknown_price', dbt.concat([
            "'price '", "coalesce(unpriced_price_id, '(none)')",
            "' of a subscription item is not in price or plan, or has no unit amount (tiered)'"])),
        ('currency_count > 1', 'mixed_currencies', "'the items of the subscription have several currencies'"),
    ]
    + stripe_currency_checks('currency')
) %}

final as (

    select
        subscription_id,
        crm_account_id as account_id,
        plan_name as plan,
        seats,
        {{ stripe_to_major('mrr_minor', 'currency') }} as mrr_amount,
        upper(currency) as currency,
        status,
        started_at,
        cancelled_at,
        account_org_id as org_id,
        loaded_at as _loaded_at,
        is_deleted as _is_deleted,
        {{ mapping.issue }} as _mapping_issue,
        {{ mapping.detail }} as _mapping_detail
    from joined

)

select * from final
