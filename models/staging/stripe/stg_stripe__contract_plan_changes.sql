-- Stripe seat and plan changes in the columns of billing.plan_changes: one row per change of a
-- subscription's state (stg_stripe__subscription_states: an item version starts, an item is
-- removed) that changed its seats, MRR or plan. change_type: seat_change when only the
-- quantity moved on the same plan; otherwise upgrade or downgrade by the MRR (a cheaper price,
-- a cheaper plan). It takes effect when the new item version starts (history mode: without it
-- an item has one version, and only items added later show as changes). Changes of
-- subscriptions the adapter leaves out (test mode, never paid) are left out too.

with

states as (
    select * from {{ ref('stg_stripe__subscription_states') }}
    where previous_start is not null
),

subscriptions as (
    select * from {{ ref('stg_stripe__subscriptions') }}
    where
        is_current
        and is_livemode
        and coalesce(status, '') not in ('incomplete', 'incomplete_expired')
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

changes as (

    select
        states.subscription_id,
        subscriptions.customer_id,
        states.state_start as changed_at,
        states.loaded_at,
        states.seats_before,
        states.seats as seats_after,
        states.mrr_minor_before,
        states.mrr_minor as mrr_minor_after,
        states.currency,
        states.currency_count,
        states.unpriced_items,
        states.unpriced_price_id,
        case
            when
                lower(states.plan_name) = lower(states.plan_name_before)
                and states.seats != states.seats_before
                then 'seat_change'
            when states.mrr_minor < states.mrr_minor_before then 'downgrade'
            else 'upgrade'
        end as change_type
    from states
    inner join subscriptions
        on states.subscription_id = subscriptions.subscription_id
    where
        -- a new state that changed nothing the contract carries is no change
        not (
            coalesce(
                states.seats = states.seats_before,
                states.seats is null and states.seats_before is null
            )
            and coalesce(
                states.mrr_minor = states.mrr_minor_before,
                states.mrr_minor is null and states.mrr_minor_before is null
            )
            and coalesce(lower(states.plan_name) = lower(states.plan_name_before), false)
        )

),

joined as (

    select
        changes.*,
        identity.crm_account_id,
        identity.account_org_id,
        identity.source_account_id as identity_customer_id,
        identity.match_status,
        identity.match_detail
    from changes
    left join identity
        on changes.customer_id = identity.source_account_id

),

{%- set mapping = stripe_mapping(
    stripe_identity_checks('customer_id')
    + [
        ('unpriced_items > 0', 'unknown_price', dbt.concat([
            "'price '", "coalesce(unpriced_price_id, '(none)')",
            "' of a subscription item is not in price or plan, or has no unit amount (tiered)'"])),
        ('currency_count > 1', 'mixed_currencies', "'the items of the subscription have several currencies'"),
    ]
    + stripe_currency_checks('currency')
) %}

final as (

    select
        {{ dbt.concat(['subscription_id', "'@'", dbt.cast('changed_at', dbt.type_string())]) }}
            as change_id,
        subscription_id,
        crm_account_id as account_id,
        change_type,
        seats_before,
        seats_after,
        {{ stripe_to_major('mrr_minor_before', 'currency') }} as mrr_before,
        {{ stripe_to_major('mrr_minor_after', 'currency') }} as mrr_after,
        upper(currency) as currency,
        changed_at,
        account_org_id as org_id,
        loaded_at as _loaded_at,
        false as _is_deleted,
        {{ mapping.issue }} as _mapping_issue,
        {{ mapping.detail }} as _mapping_detail
    from joined

)

select * from final
