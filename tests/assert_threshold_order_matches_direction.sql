-- A factor where higher is better needs bad < ok < good; lower is better needs bad > ok > good.
select
    factor_thresholds.factor_name,
    factor_thresholds.segment
from {{ ref('factor_thresholds') }} as factor_thresholds
inner join {{ ref('factor_catalogue') }} as factor_catalogue
    on factor_thresholds.factor_name = factor_catalogue.factor_name
where
    (
        factor_catalogue.direction = 'higher_is_better'
        and not (
            factor_thresholds.bad_value < factor_thresholds.ok_value
            and factor_thresholds.ok_value < factor_thresholds.good_value
        )
    )
    or (
        factor_catalogue.direction = 'lower_is_better'
        and not (
            factor_thresholds.bad_value > factor_thresholds.ok_value
            and factor_thresholds.ok_value > factor_thresholds.good_value
        )
    )
