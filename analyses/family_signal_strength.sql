-- How much each family score separates churners from stayers, per segment: the average family
-- score of account-dates that churned within the horizon against those that did not. A family
-- whose gap is large in a segment deserves weight there; compare with seeds/segment_weights.csv.
select
    segment,
    is_churned_within_horizon,
    count(*) as account_dates,
    round(cast(avg(usage_score) as decimal(18, 6)), 1) as avg_usage_score,
    round(cast(avg(support_score) as decimal(18, 6)), 1) as avg_support_score,
    round(cast(avg(relationship_score) as decimal(18, 6)), 1) as avg_relationship_score,
    round(cast(avg(finance_score) as decimal(18, 6)), 1) as avg_finance_score
from {{ ref('int_outcomes') }}
where not is_censored
group by 1, 2
order by 1, 2
