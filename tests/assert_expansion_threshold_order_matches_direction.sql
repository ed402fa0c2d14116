-- An expansion factor where higher is better needs bad < ok < good; lower is better the reverse.
select
    expansion_thresholds.factor_name,
    expansion_thresholds.segment
from {{ ref('expansion_thresholds') }} as expansion_thresholds
inner join {{ ref('expansion_factor_catalogue') }} as catalogue
    on expansion_thresholds.factor_name = catalogue.factor_name
where
    (
        catalogue.direction = 'higher_is_better'
        and not (
            expansion_thresholds.bad_value < expansion_thresholds.ok_value
            and expansion_thresholds.ok_value < expansion_thresholds.good_value
        )
    )
    or (
        catalogue.direction = 'lower_is_better'
        and not (
            expansion_thresholds.bad_value > expansion_thresholds.ok_value
            and expansion_thresholds.ok_value > expansion_thresholds.good_value
        )
    )
