-- Seed fx_rates must give one rate per currency and day: no two periods of one currency
-- overlap, every period is a valid range, and every rate is positive. Returns offending rows.

with

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

numbered as (

    select
        currency_code,
        valid_from,
        valid_to,
        units_per_usd,
        row_number() over (
            order by currency_code, valid_from, valid_to
        ) as period_number
    from fx_rates

),

overlapping_periods as (

    select
        first_period.currency_code,
        first_period.valid_from,
        first_period.valid_to,
        first_period.units_per_usd,
        'overlaps another period' as problem
    from numbered as first_period
    inner join numbered as second_period
        on
            first_period.currency_code = second_period.currency_code
            and first_period.period_number < second_period.period_number
            and first_period.valid_from <= second_period.valid_to
            and first_period.valid_to >= second_period.valid_from

),

invalid as (

    select
        currency_code,
        valid_from,
        valid_to,
        units_per_usd,
        'invalid period or rate' as problem
    from fx_rates
    where
        valid_to < valid_from
        or units_per_usd is null
        or units_per_usd <= 0

),

final as (

    select * from overlapping_periods
    union all
    select * from invalid

)

select * from final
