-- Per factor: the average sub-score of account-dates that churned within the horizon against
-- those that did not, and how often the factor had data. Factors with no gap are candidates for
-- a lower weight or new thresholds (seeds/factor_thresholds.csv).
select
    factor_scores.segment,
    factor_scores.family,
    factor_scores.factor_name,
    avg(case when factor_scores.sub_score is not null then 1.0 else 0.0 end) as coverage,
    avg(case when outcomes.is_churned_within_horizon = 1 then factor_scores.sub_score end)
        as avg_sub_score_churned,
    avg(case when outcomes.is_churned_within_horizon = 0 then factor_scores.sub_score end)
        as avg_sub_score_retained
from {{ ref('int_scoring__factor_scores') }} as factor_scores
inner join {{ ref('int_outcomes') }} as outcomes
    on
        factor_scores.account_id = outcomes.account_id
        and factor_scores.score_date = outcomes.score_date
where not outcomes.is_censored
group by 1, 2, 3
order by 1, 2, 3
