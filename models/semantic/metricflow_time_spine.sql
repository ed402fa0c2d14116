-- One row per day from 2000-01-01 to 2099-12-31: the time spine MetricFlow joins to for
-- metric_time (models/semantic/_semantic__models.yml). Days are counted from a cross join of
-- digits (macro numbers), so it builds on every engine without generate_series.

with

day_numbers as (
    {{ numbers(5) }}
),

days as (
    select
        cast({{ dbt.dateadd('day', 'day_numbers.n', "cast('2000-01-01' as date)") }} as date)
            as date_day
    from day_numbers
),

final as (
    select date_day
    from days
    where date_day < cast('2100-01-01' as date)
)

select * from final
