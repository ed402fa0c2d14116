-- Within each family, the factor weights of the catalogue must sum to 1.
select
    family,
    sum(factor_weight) as total_weight
from {{ ref('factor_catalogue') }}
group by 1
having abs(sum(factor_weight) - 1.0) > 0.000001
