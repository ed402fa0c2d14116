-- Lead time from the first alert to the churn, per segment and for the whole book: how many
-- churns were alerted at all, the median lead time, and how many had 60 days or more (the bar
-- a renewal play needs).

with

lead_times as (
    select
        segment,
        account_id,
        lead_time_days
    from {{ ref('rpt_churn_lead_time') }}
    union all
    select
        'all' as segment,
        account_id,
        lead_time_days
    from {{ ref('rpt_churn_lead_time') }}
),

final as (
    select
        segment,
        cast(count(*) as bigint) as churns,
        cast(count(lead_time_days) as bigint) as churns_alerted,
        {{ round_score('1.0 * count(lead_time_days) / count(*)') }} as share_alerted,
        {{ round_score(median('lead_time_days')) }} as median_lead_time_days,
        cast(sum(case when lead_time_days >= 60 then 1 else 0 end) as bigint)
            as churns_alerted_60_days_ahead
    from lead_times
    group by 1
)

select * from final
