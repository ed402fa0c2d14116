-- One row per account and history score date with a health score: where the account stands
-- against the tier thresholds, and which alert conditions start on that date. The alert rules
-- live here once; mart_health_alerts turns the conditions into alerts (rules switched on,
-- cooldown, budget) and mart_recovery_cases opens and closes its cases on them.
-- * hysteresis: a tier is entered only when the tier measure is past its threshold by
--   alert_hysteresis_margin points for alert_consecutive_periods score dates in a row, and it
--   is entered again only after the measure has come back above threshold + margin (an
--   "epoch" ends each time it does);
-- * entering critical directly does not also enter at_risk on the same date;
-- * a sharp drop is a fall of at least alert_sharp_drop_points in 14 days;
-- * a rule flag starts on the first date it is set after a date it was not.
-- Every condition on date d reads the rows of dates up to d only.
{%- set periods = var('alert_consecutive_periods') | int %}
{%- set margin = var('alert_hysteresis_margin') %}

with

scores as (
    select account_scores.*
    from {{ ref('int_scoring__account_scores') }} as account_scores
    inner join {{ ref('int_scoring__score_dates') }} as score_dates
        on account_scores.score_date = score_dates.score_date
    where score_dates.is_history_date and account_scores.health_score is not null
),

tiers as (
    select
        max(case when scale = 'health_tier' and label = 'healthy' then min_score end)
            as at_risk_threshold,
        max(case when scale = 'health_tier' and label = 'at_risk' then min_score end)
            as critical_threshold,
        max(case when scale = 'health_tier' then basis end) as tier_basis
    from {{ ref('score_tiers') }}
),

-- hysteresis works on what the tiers cut: the score, or the segment percentile
measured as (
    select
        scores.*,
        tiers.at_risk_threshold,
        tiers.critical_threshold,
        case
            when tiers.tier_basis = 'segment_percentile' then scores.segment_percentile
            else scores.health_score
        end as tier_measure,
        case
            when tiers.tier_basis = 'segment_percentile' then 'segment percentile'
            else 'score'
        end as tier_measure_name
    from scores
    cross join tiers
),

states as (
    select
        *,
        case when tier_measure < at_risk_threshold - {{ margin }} then 1 else 0 end
            as is_below_at_risk,
        case when tier_measure >= at_risk_threshold + {{ margin }} then 1 else 0 end
            as is_clear_of_at_risk,
        case when tier_measure < critical_threshold - {{ margin }} then 1 else 0 end
            as is_below_critical,
        case when tier_measure >= critical_threshold + {{ margin }} then 1 else 0 end
            as is_clear_of_critical
    from measured
),

sequenced as (
    select
        *,
        -- an "epoch" ends each time the score is clearly back above a threshold
        sum(is_clear_of_at_risk) over (
            partition by account_id
            order by score_date rows between unbounded preceding and current row
        ) as at_risk_epoch,
        sum(is_clear_of_critical) over (
            partition by account_id
            order by score_date rows between unbounded preceding and current row
        ) as critical_epoch,
        min(is_below_at_risk) over (
            partition by account_id order by score_date
            rows between {{ periods - 1 }} preceding and current row
        ) as is_sustained_at_risk,
        min(is_below_critical) over (
            partition by account_id order by score_date
            rows between {{ periods - 1 }} preceding and current row
        ) as is_sustained_critical,
        count(*) over (
            partition by account_id order by score_date
            rows between {{ periods - 1 }} preceding and current row
        ) as periods_in_frame,
        lag(is_champion_left) over (partition by account_id order by score_date)
            as was_champion_left,
        lag(is_repeated_payment_failure) over (partition by account_id order by score_date)
            as was_repeated_payment_failure,
        lag(is_urgent_ticket_aging) over (partition by account_id order by score_date)
            as was_urgent_ticket_aging,
        lag(is_downgrade_request) over (partition by account_id order by score_date)
            as was_downgrade_request,
        lag(is_usage_anomaly) over (partition by account_id order by score_date)
            as was_usage_anomaly
    from states
),

tier_candidates as (
    select
        *,
        is_sustained_at_risk = 1 and periods_in_frame = {{ periods }} as is_at_risk_candidate,
        is_sustained_critical = 1 and periods_in_frame = {{ periods }} as is_critical_candidate
    from sequenced
),

tier_entries as (
    select
        *,
        row_number() over (
            partition by account_id, at_risk_epoch, is_at_risk_candidate order by score_date
        ) as at_risk_candidate_rank,
        row_number() over (
            partition by account_id, critical_epoch, is_critical_candidate order by score_date
        ) as critical_candidate_rank
    from tier_candidates
),

final as (
    select
        -- ids
        account_id,
        org_id,
        -- measures
        health_score,
        score_delta_14d,
        tier_measure,
        tier_measure_name,
        at_risk_threshold,
        critical_threshold,
        -- where the account stands
        is_clear_of_at_risk = 1 as is_clear_of_at_risk,
        is_clear_of_critical = 1 as is_clear_of_critical,
        -- conditions that start on this date
        coalesce(is_critical_candidate and critical_candidate_rank = 1, false)
            as is_entered_critical,
        coalesce(
            is_at_risk_candidate and at_risk_candidate_rank = 1
            and not (is_critical_candidate and critical_candidate_rank = 1),
            false
        ) as is_entered_at_risk,
        coalesce(score_delta_14d <= -1 * {{ var('alert_sharp_drop_points') }}, false)
            as is_sharp_drop,
        coalesce(is_champion_left and not coalesce(was_champion_left, false), false)
            as is_champion_left_started,
        coalesce(
            is_repeated_payment_failure and not coalesce(was_repeated_payment_failure, false),
            false
        ) as is_repeated_payment_failure_started,
        coalesce(is_urgent_ticket_aging and not coalesce(was_urgent_ticket_aging, false), false)
            as is_urgent_ticket_aging_started,
        coalesce(is_downgrade_request and not coalesce(was_downgrade_request, false), false)
            as is_downgrade_request_started,
        coalesce(is_usage_anomaly and not coalesce(was_usage_anomaly, false), false)
            as is_usage_anomaly_started,
        -- dates
        score_date
    from tier_entries
)

select * from final
