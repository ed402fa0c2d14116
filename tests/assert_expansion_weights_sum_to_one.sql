-- Each segment's expansion weights must sum to 1 (a weighted mean of sub-scores).
select
    segment,
    sum(weight) as total_weight
from {{ ref('expansion_weights') }}
group by 1
having abs(sum(weight) - 1.0) > 0.000001
