-- Precision and false-alarm rate per alert type and segment, with how many alerts are still
-- waiting for their outcome (censored). An alert type below ~10% precision is noise: raise its
-- threshold or its cooldown (vars alert_* in dbt_project.yml).
select
    alert_type,
    segment,
    count(*) as alerts,
    sum(case when is_censored then 1 else 0 end) as awaiting_outcome,
    sum(is_followed_by_churn) as followed_by_churn,
    round(cast(avg(1.0 * is_followed_by_churn) as decimal(18, 6)), 3) as alert_precision,
    round(cast(1 - avg(1.0 * is_followed_by_churn) as decimal(18, 6)), 3) as false_alarm_rate
from {{ ref('rpt_alert_outcomes') }}
group by 1, 2
order by 1, 2
