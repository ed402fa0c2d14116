-- Explicit churn records: where a source says in so many words that the relationship ended.
-- The CRM account's churn_date (or its status 'churned', dated by the first load that said so) and
-- lost renewal opportunities. Records dated after as_of_date have not happened yet.

with

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
    where not is_deleted
),

opportunities as (
    -- soft-deleted accounts have no lifecycle
    select opportunities.*
    from {{ ref('stg_crm__opportunities') }} as opportunities
    inner join accounts
        on opportunities.account_id = accounts.account_id
    where not opportunities.is_deleted
),

as_of as (
    select as_of_date from {{ ref('int_scoring__as_of_date') }}
),

account_flags as (
    select
        account_id,
        org_id,
        coalesce(churn_date, cast(status_loaded_at as date)) as churn_date,
        case
            when churn_date is not null then 'account_churn_date'
            else 'account_status'
        end as recorded_by,
        account_id as source_record_id,
        cast(null as {{ dbt.type_numeric() }}) as arr_reporting
    from accounts
    where churn_date is not null or account_status = 'churned'
),

lost_renewals as (
    select
        account_id,
        org_id,
        close_date as churn_date,
        'renewal_lost' as recorded_by,
        opportunity_id as source_record_id,
        coalesce(previous_amount_reporting, amount_reporting) as arr_reporting
    from opportunities
    where
        opportunity_type = 'renewal'
        and stage = 'closed_lost'
        and close_date is not null
),

unioned as (
    select * from account_flags
    union all
    select * from lost_renewals
),

final as (
    select
        -- ids
        {{ generate_surrogate_key(['unioned.recorded_by', 'unioned.source_record_id']) }}
            as explicit_churn_id,
        unioned.account_id,
        unioned.org_id,
        unioned.source_record_id,
        -- dimensions
        unioned.recorded_by,
        -- measures
        unioned.arr_reporting,
        -- dates
        unioned.churn_date
    from unioned
    cross join as_of
    where unioned.churn_date <= as_of.as_of_date
)

select * from final
