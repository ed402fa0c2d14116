-- One row per subscription and contract: the dates [coverage_start_date, coverage_end_date)
-- on which it kept the account a paying customer. coverage_end_date is null while it runs
-- (an end after as_of_date has not happened yet). Each interval is clipped at the first
-- explicit churn on or after its start: the CRM decides that the relationship was lost, even
-- while billing still runs (that is listed in int_lifecycle__conflicts). See docs/lifecycle.md.

with

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
    where not is_deleted
),

contracts as (
    select * from {{ ref('stg_crm__contracts') }}
    where not is_deleted
),

explicit_churns as (
    select * from {{ ref('int_lifecycle__explicit_churns') }}
),

live_accounts as (
    -- soft-deleted accounts have no lifecycle
    select account_id from {{ ref('stg_crm__accounts') }}
    where not is_deleted
),

as_of as (
    select as_of_date from {{ ref('int_scoring__as_of_date') }}
),

intervals as (
    select
        account_id,
        org_id,
        'subscription' as coverage_source,
        subscription_id as source_record_id,
        cast(started_at as date) as coverage_start_date,
        case
            when cancelled_at is not null then cast(cancelled_at as date)
            when status = 'cancelled' then cast(status_loaded_at as date)
        end as recorded_end_date,
        -- ended by a decision (a cancellation), not by running its term
        (status = 'cancelled' or cancelled_at is not null) as is_cancellation,
        12 * mrr_reporting as arr_reporting
    from subscriptions
    union all
    select
        account_id,
        org_id,
        'contract' as coverage_source,
        contract_id as source_record_id,
        start_date as coverage_start_date,
        case
            when end_date is not null then cast({{ dbt.dateadd('day', 1, 'end_date') }} as date)
            when renewal_date is not null then renewal_date
            when status not in ('active', 'renewed') then cast(status_loaded_at as date)
        end as recorded_end_date,
        status in ('churned', 'expired') as is_cancellation,
        arr_reporting
    from contracts
),

started as (
    -- an interval that starts after as_of_date is kept: it makes the account a customer to be
    select intervals.*
    from intervals
    inner join live_accounts
        on intervals.account_id = live_accounts.account_id
    where intervals.coverage_start_date is not null
),

clips as (
    select
        started.coverage_source,
        started.source_record_id,
        min(explicit_churns.churn_date) as clip_date
    from started
    inner join explicit_churns
        on
            started.account_id = explicit_churns.account_id
            and explicit_churns.churn_date >= started.coverage_start_date
    group by 1, 2
),

clipped as (
    select
        started.*,
        clips.clip_date,
        case
            when
                clips.clip_date is not null
                and (
                    started.recorded_end_date is null
                    or clips.clip_date < started.recorded_end_date
                )
                then clips.clip_date
            else started.recorded_end_date
        end as effective_end_date
    from started
    left join clips
        on
            started.coverage_source = clips.coverage_source
            and started.source_record_id = clips.source_record_id
),

final as (
    select
        -- ids
        clipped.account_id,
        clipped.org_id,
        clipped.source_record_id,
        -- dimensions
        clipped.coverage_source,
        clipped.is_cancellation,
        clipped.clip_date is not null
        and (
            clipped.recorded_end_date is null
            or clipped.clip_date < clipped.recorded_end_date
        ) as is_clipped_by_churn,
        -- measures
        clipped.arr_reporting,
        -- dates
        clipped.coverage_start_date,
        case
            when clipped.effective_end_date <= as_of.as_of_date then clipped.effective_end_date
        end as coverage_end_date,
        clipped.recorded_end_date,
        clipped.clip_date as churn_clip_date,
        -- clipped on its first day, or ended before it began: it never covered a day, but it
        -- still says the account had billing (and may be a conflict)
        coalesce(clipped.effective_end_date <= clipped.coverage_start_date, false)
            as covers_no_day
    from clipped
    cross join as_of
)

select * from final
