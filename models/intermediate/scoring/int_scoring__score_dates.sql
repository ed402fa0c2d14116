-- The dates a score is computed for: as_of_date (var, default the latest date in the data),
-- and every earlier date on the var score_grain ('week' or 'day') back to the first date with
-- enough history (28 days of data), anchored on as_of_date so that the current score is
-- always the last point of the history.
{%- set step_days = 1 if var('score_grain', 'week') == 'day' else 7 %}

with

events as (
    select event_date as activity_date from {{ ref('stg_product__events') }}
    where not is_deleted
),

tickets as (
    select cast(created_at as date) as activity_date from {{ ref('stg_support__tickets') }}
    where not is_deleted
),

activities as (
    select cast(occurred_at as date) as activity_date from {{ ref('stg_crm__activities') }}
    where not is_deleted
),

all_dates as (
    select activity_date from events
    union all
    select activity_date from tickets
    union all
    select activity_date from activities
),

bounds as (
    select
        {%- if as_of_date_literal() is none %}
        max(activity_date) as as_of_date,
        {%- else %}
        {{ as_of_date_literal() }} as as_of_date,
        {%- endif %}
        min(activity_date) as first_data_date
    from all_dates
),

numbers as (
    {{ numbers(4) }}
),

spine as (
    select
        cast({{ dbt.dateadd('day', '-1 * ' ~ step_days ~ ' * numbers.n', 'bounds.as_of_date') }} as date)
            as score_date,
        bounds.as_of_date,
        bounds.first_data_date
    from bounds
    cross join numbers
),

final as (
    select
        score_date,
        score_date = as_of_date as is_current,
        as_of_date,
        '{{ var("score_grain", "week") }}' as score_grain
    from spine
    where score_date >= cast({{ dbt.dateadd('day', 27, 'first_data_date') }} as date)
)

select * from final
