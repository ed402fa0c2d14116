-- A factor where higher is better needs bad < ok < good; lower is better needs bad > ok > good.
-- The health factors' thresholds and the expansion factors' alike.
with

thresholds as (
    select
        factor_thresholds.factor_name,
        factor_thresholds.segment,
        factor_thresholds.bad_value,
        factor_thresholds.ok_value,
        factor_thresholds.good_value,
        factor_catalogue.direction
    from {{ ref('factor_thresholds') }} as factor_thresholds
    inner join {{ ref('factor_catalogue') }} as factor_catalogue
        on factor_thresholds.factor_name = factor_catalogue.factor_name
    union all
    select
        expansion_thresholds.factor_name,
        expansion_thresholds.segment,
        expansion_thresholds.bad_value,
        expansion_thresholds.ok_value,
        expansion_thresholds.good_value,
        catalogue.direction
    from {{ ref('expansion_thresholds') }} as expansion_thresholds
    inner join {{ ref('expansion_factor_catalogue') }} as catalogue
        on expansion_thresholds.factor_name = catalogue.factor_name
)

select
    factor_name,
    segment
from thresholds
where
    (
        direction = 'higher_is_better'
        and not (bad_value < ok_value and ok_value < good_value)
    )
    or (
        direction = 'lower_is_better'
        and not (bad_value > ok_value and ok_value > good_value)
    )
