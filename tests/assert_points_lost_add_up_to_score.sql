-- The explanation is honest: the points lost by an account's factors add up to 100 minus its
-- health score, so the drivers shown account for the whole gap.
with

lost as (
    select
        account_id,
        score_date,
        sum(points_lost) as points_lost
    from {{ ref('int_scoring__factor_contributions') }}
    group by 1, 2
)

select
    lost.account_id,
    lost.score_date
from lost
inner join {{ ref('int_scoring__health_scores') }} as scores
    on
        lost.account_id = scores.account_id
        and lost.score_date = scores.score_date
where abs(100.0 - lost.points_lost - scores.health_score) > 0.0001
