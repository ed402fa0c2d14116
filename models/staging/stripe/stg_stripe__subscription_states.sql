-- One row per subscription and state: what its items add up to (seats, MRR, plan, currency)
-- from state_start, each time an item version starts or an item is removed. Seats are the
-- quantities of its licensed recurring items (per unit: seats for a per-seat price); the MRR is
-- each item's unit amount times its quantity, per month (a yearly price counts a twelfth),
-- rounded to the minor unit; the plan is the nickname (else the product) of the item that
-- brings the most MRR. A price is looked up in `price`, then in the legacy `plan`. Consecutive
-- states that differ are the plan and seat changes (stg_stripe__contract_plan_changes); the
-- latest is the subscription's current state (stg_stripe__contract_subscriptions).

with

items as (
    select * from {{ ref('stg_stripe__subscription_items') }}
),

prices as (
    -- Stripe lists a plan among the prices too, under the same id: one row per id, the price first
    select *
    from (
        select
            *,
            row_number() over (
                partition by price_id
                order by case when price_source = 'price' then 0 else 1 end, loaded_at desc
            ) as price_rank
        from {{ ref('stg_stripe__prices') }}
    ) as ranked
    where price_rank = 1
),

priced as (

    select
        items.item_id,
        items.subscription_id,
        items.price_id,
        items.quantity,
        items.valid_from,
        items.valid_to,
        items.loaded_at,
        prices.price_id is not null as has_price,
        prices.currency,
        coalesce(nullif(trim(prices.nickname), ''), prices.product_id, items.price_id) as plan_name,
        -- metered and one-time prices are no seats and no recurring revenue
        coalesce(prices.usage_type, 'licensed') = 'licensed'
        and coalesce(prices.price_type, 'recurring') = 'recurring' as is_licensed,
        prices.unit_amount_minor * items.quantity * prices.periods_per_month as monthly_minor
    from items
    left join prices
        on items.price_id = prices.price_id

),

change_points as (

    select distinct
        subscription_id,
        valid_from as state_start
    from priced
    where valid_from is not null
    union
    select distinct
        subscription_id,
        valid_to as state_start
    from priced
    where valid_to is not null

),

live_items as (

    -- the item versions that make up each state
    select
        change_points.subscription_id,
        change_points.state_start,
        priced.item_id,
        priced.price_id,
        priced.quantity,
        priced.has_price,
        priced.currency,
        priced.plan_name,
        priced.is_licensed,
        priced.monthly_minor,
        priced.valid_from,
        priced.loaded_at,
        row_number() over (
            partition by change_points.subscription_id, change_points.state_start
            order by
                case when priced.is_licensed then priced.monthly_minor end desc nulls last,
                priced.item_id
        ) as revenue_rank
    from change_points
    inner join priced
        on
            change_points.subscription_id = priced.subscription_id
            and priced.valid_from <= change_points.state_start
            and (priced.valid_to is null or change_points.state_start < priced.valid_to)

),

states as (

    select
        subscription_id,
        state_start,
        count(*) as item_count,
        sum(case when is_licensed then quantity end) as seats,
        round(sum(case when is_licensed then monthly_minor end)) as mrr_minor,
        max(case when revenue_rank = 1 then plan_name end) as plan_name,
        max(currency) as currency,
        count(distinct currency) as currency_count,
        -- licensed items whose price is unknown or has no amount (tiered prices): no MRR
        sum(case when not has_price or (is_licensed and monthly_minor is null) then 1 else 0 end)
            as unpriced_items,
        min(case when not has_price or (is_licensed and monthly_minor is null) then price_id end)
            as unpriced_price_id,
        max(case when valid_from = state_start then loaded_at end) as state_loaded_at
    from live_items
    group by 1, 2

),

sequenced as (

    select
        *,
        lag(state_start) over (partition by subscription_id order by state_start) as previous_start,
        lag(seats) over (partition by subscription_id order by state_start) as seats_before,
        lag(mrr_minor) over (partition by subscription_id order by state_start) as mrr_minor_before,
        lag(plan_name) over (partition by subscription_id order by state_start) as plan_name_before,
        lead(state_start) over (partition by subscription_id order by state_start) as state_end
    from states

),

final as (

    select
        -- ids
        subscription_id,
        -- validity
        state_start,
        state_end,
        state_end is null as is_latest,
        coalesce(state_loaded_at, state_start) as loaded_at,
        -- the state
        item_count,
        seats,
        mrr_minor,
        plan_name,
        currency,
        currency_count,
        unpriced_items,
        unpriced_price_id,
        -- the state before (null for the first)
        previous_start,
        seats_before,
        mrr_minor_before,
        plan_name_before
    from sequenced

)

select * from final
