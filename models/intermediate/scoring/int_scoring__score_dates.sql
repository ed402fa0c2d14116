-- The dates a score is computed for:
-- * as_of_date (var; default the latest date with activity in the data): the current score;
-- * the history grid on var score_grain: every day, or every Sunday for 'week', from the
--   first date with 28 days of data behind it. A fixed grid means a daily run adds a point
--   instead of shifting every point of the history;
-- * the comparison dates of the current score (7, 14 and 28 or 30 days before it), so that
--   its trend is measured over exact intervals even when as_of_date is not on the grid.
{%- set is_daily = var('score_grain', 'week') == 'day' %}
{%- set delta_30_days = 30 if is_daily else 28 %}

with

bounds as (
    select * from {{ ref('int_scoring__as_of_date') }}
),

numbers as (
    {{ numbers(4) }}
),

days as (
    select
        cast({{ dbt.dateadd('day', '-1 * numbers.n', 'bounds.as_of_date') }} as date) as score_date,
        numbers.n as days_before_as_of,
        bounds.as_of_date,
        bounds.first_data_date
    from bounds
    cross join numbers
),

classified as (
    select
        score_date,
        as_of_date,
        first_data_date,
        days_before_as_of = 0 as is_current,
        {% if is_daily -%}
        true as is_grid_date,
        {%- else -%}
        -- Sundays: 1970-01-04 was one
            mod({{ dbt.datediff("cast('1970-01-04' as date)", 'score_date', 'day') }}, 7) = 0
                as is_grid_date,
        {%- endif %}
        days_before_as_of in (7, 14, {{ delta_30_days }}) as is_comparison_date
    from days
),

final as (
    select
        score_date,
        is_current,
        is_current or is_grid_date as is_history_date,
        as_of_date,
        '{{ var("score_grain", "week") }}' as score_grain
    from classified
    where
        score_date >= cast({{ dbt.dateadd('day', 27, 'first_data_date') }} as date)
        and (is_current or is_grid_date or is_comparison_date)
)

select * from final
