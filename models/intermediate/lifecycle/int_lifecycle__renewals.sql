-- One row per renewal decision with a known outcome, dated on or before as_of_date: the unit
-- of evidence of the backtest and the calibration (never account-days).
-- * kept: a renewal opportunity won (renewed or downgraded);
-- * lost: a renewal opportunity lost;
-- * lost, departure: an episode that ended without a lost renewal within
--   lifecycle_grace_days of its end (billing stopped, the CRM flagged the account churned).
-- A book without renewal opportunities has departures and no kept renewals: the backtest says
-- so instead of scoring a one-class sample.
{%- set grace = var('lifecycle_grace_days') | int %}

with

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
    where not is_deleted
),

opportunities as (
    select opportunities.*
    from {{ ref('stg_crm__opportunities') }} as opportunities
    inner join accounts
        on opportunities.account_id = accounts.account_id
    where
        not opportunities.is_deleted
        and opportunities.opportunity_type = 'renewal'
        and opportunities.stage in ('closed_won', 'closed_lost')
        and opportunities.close_date is not null
),

episodes as (
    select * from {{ ref('int_lifecycle__episodes') }}
),

as_of as (
    select as_of_date from {{ ref('int_scoring__as_of_date') }}
),

decided as (
    select
        opportunities.account_id,
        opportunities.org_id,
        opportunities.opportunity_id as source_record_id,
        'renewal_opportunity' as recorded_by,
        opportunities.close_date as renewal_date,
        opportunities.stage = 'closed_lost' as is_lost,
        coalesce(opportunities.previous_amount_reporting, opportunities.amount_reporting)
            as arr_reporting
    from opportunities
    cross join as_of
    where opportunities.close_date <= as_of.as_of_date
),

departures as (
    select
        account_id,
        org_id,
        episode_id as source_record_id,
        'episode_end' as recorded_by,
        episode_end_date as renewal_date,
        true as is_lost,
        cast(null as {{ dbt.type_numeric() }}) as arr_reporting
    from episodes
    where
        episode_end_date is not null
        and not exists (
            select 1
            from decided
            where
                decided.account_id = episodes.account_id
                and decided.is_lost
                and decided.renewal_date
                >= {{ dbt.dateadd('day', -grace, 'episodes.episode_end_date') }}
                and decided.renewal_date
                <= {{ dbt.dateadd('day', grace, 'episodes.episode_end_date') }}
        )
),

unioned as (
    select * from decided
    union all
    select * from departures
),

final as (
    select
        -- ids
        {{ generate_surrogate_key(['unioned.recorded_by', 'unioned.source_record_id']) }}
            as renewal_id,
        cast(unioned.account_id as {{ dbt.type_string() }}) as account_id,
        cast(unioned.org_id as {{ dbt.type_string() }}) as org_id,
        cast(unioned.source_record_id as {{ dbt.type_string() }}) as source_record_id,
        cast(episodes.episode_number as {{ dbt.type_int() }}) as episode_number,
        -- dimensions
        cast(unioned.recorded_by as {{ dbt.type_string() }}) as recorded_by,
        unioned.is_lost,
        case when unioned.is_lost then 'lost' else 'kept' end as renewal_outcome,
        -- measures
        cast(unioned.arr_reporting as {{ dbt.type_numeric() }}) as arr_reporting,
        -- dates
        unioned.renewal_date
    from unioned
    left join episodes
        on
            unioned.account_id = episodes.account_id
            and unioned.renewal_date > episodes.episode_start_date
            and (
                episodes.episode_end_date is null
                or unioned.renewal_date <= episodes.episode_end_date
            )
)

select * from final
