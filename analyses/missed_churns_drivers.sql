-- The churns the score missed, with the last explanation before each: what did the score see,
-- and what did it not see? Read alongside calibration.rpt_missed_churns.
select
    missed.account_id,
    missed.segment,
    missed.churn_date,
    missed.last_score_before_churn,
    history.final_tier,
    history.explanation,
    history.top_drivers
from {{ ref('rpt_missed_churns') }} as missed
inner join {{ ref('mart_account_health_history') }} as history
    on
        missed.account_id = history.account_id
        and missed.last_score_date = history.score_date
order by missed.churn_date desc
