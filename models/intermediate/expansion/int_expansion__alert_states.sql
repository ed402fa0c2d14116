-- One row per account and history score date with an expansion score: where the account stands
-- against the ready threshold (seeds/expansion_tiers.csv), and whether it enters ready on that
-- date. The rules of the health alerts (int_scoring__alert_states), on the expansion score:
-- * hysteresis: ready is entered only when the score is alert_hysteresis_margin points above
--   the ready threshold, with the account eligible (not at risk or critical, enough data), for
--   alert_consecutive_periods score dates in a row; it is entered again only after the score
--   has fallen below threshold - margin (an "epoch" ends each time it does), so an account
--   hovering at the threshold, or dipping in and out of at_risk, is announced once;
-- * every condition on date d reads the rows of dates up to d only.
-- mart_expansion_alerts adds the cooldown and the budget.
{%- set periods = var('alert_consecutive_periods') | int %}
{%- set margin = var('alert_hysteresis_margin') %}

with

scores as (
    select expansion_scores.*
    from {{ ref('int_expansion__scores') }} as expansion_scores
    inner join {{ ref('int_scoring__score_dates') }} as score_dates
        on expansion_scores.score_date = score_dates.score_date
    where score_dates.is_history_date and expansion_scores.expansion_score is not null
),

tiers as (
    select min(min_score) as ready_threshold
    from {{ ref('expansion_tiers') }}
    where label = 'ready'
),

states as (
    select
        scores.*,
        tiers.ready_threshold,
        case
            when
                scores.expansion_score >= tiers.ready_threshold + {{ margin }}
                and not scores.is_held_back_by_risk
                and not scores.is_held_back_by_data
                then 1
            else 0
        end as is_above_ready,
        case when scores.expansion_score < tiers.ready_threshold - {{ margin }} then 1 else 0 end
            as is_clear_below_ready
    from scores
    cross join tiers
),

sequenced as (
    select
        *,
        -- an "epoch" ends each time the score is clearly back below the threshold
        sum(is_clear_below_ready) over (
            partition by account_id
            order by score_date rows between unbounded preceding and current row
        ) as ready_epoch,
        min(is_above_ready) over (
            partition by account_id order by score_date
            rows between {{ periods - 1 }} preceding and current row
        ) as is_sustained_ready,
        count(*) over (
            partition by account_id order by score_date
            rows between {{ periods - 1 }} preceding and current row
        ) as periods_in_frame
    from states
),

candidates as (
    select
        *,
        is_sustained_ready = 1 and periods_in_frame = {{ periods }} as is_ready_candidate
    from sequenced
),

entries as (
    select
        *,
        row_number() over (
            partition by account_id, ready_epoch, is_ready_candidate order by score_date
        ) as candidate_rank
    from candidates
),

final as (
    select
        -- ids
        account_id,
        org_id,
        -- measures
        expansion_score,
        expansion_tier,
        ready_threshold,
        -- where the account stands
        is_clear_below_ready = 1 as is_clear_below_ready,
        -- the condition that starts on this date
        coalesce(is_ready_candidate and candidate_rank = 1, false) as is_entered_ready,
        -- dates
        score_date
    from entries
)

select * from final
