-- Renewal outcomes, from the two places churn is recorded: renewal opportunities in the CRM
-- and subscription cancellations in billing. A churn recorded both ways appears twice, once
-- per recorded_by. Soft-deleted source rows are left out here.

with

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

renewal_outcomes as (

    select
        account_id,
        org_id,
        case
            when stage = 'closed_lost' then 'churned'
            when amount_local < previous_amount_local then 'downgraded'
            else 'renewed'
        end as outcome_type,
        close_date as outcome_date,
        'renewal_opportunity' as recorded_by,
        opportunity_id as source_record_id,
        case
            -- a lost renewal loses the ARR it was meant to renew
            when stage = 'closed_lost'
                then -1 * coalesce(previous_amount_reporting, amount_reporting)
            else amount_reporting - previous_amount_reporting
        end as arr_change_reporting
    from opportunities
    where
        opportunity_type = 'renewal'
        and stage in ('closed_won', 'closed_lost')
        and not is_deleted

),

cancellation_outcomes as (

    select
        account_id,
        org_id,
        'churned' as outcome_type,
        cast(coalesce(cancelled_at, loaded_at) as date) as outcome_date,
        'subscription_cancellation' as recorded_by,
        subscription_id as source_record_id,
        -12 * mrr_reporting as arr_change_reporting
    from subscriptions
    where
        (status = 'cancelled' or cancelled_at is not null)
        and not is_deleted

),

unioned as (

    select * from renewal_outcomes
    union all
    select * from cancellation_outcomes

),

final as (

    select
        -- ids
        {{ generate_surrogate_key(['recorded_by', 'source_record_id']) }} as outcome_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        cast(source_record_id as {{ dbt.type_string() }}) as source_record_id,
        -- dimensions
        cast(outcome_type as {{ dbt.type_string() }}) as outcome_type,
        cast(recorded_by as {{ dbt.type_string() }}) as recorded_by,
        -- measures
        cast(arr_change_reporting as {{ dbt.type_numeric() }}) as arr_change_reporting,
        -- dates
        outcome_date
    from unioned

)

select * from final
