-- Each segment's family weights must sum to 1 (a weighted mean, not a sum of points).
select
    segment,
    sum(weight) as total_weight
from {{ ref('segment_weights') }}
group by 1
having abs(sum(weight) - 1.0) > 0.000001
