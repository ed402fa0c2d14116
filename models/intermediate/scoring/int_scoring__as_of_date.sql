-- One row: the date the book is scored as of (var as_of_date; by default the latest date with
-- product, support or CRM activity) and the first date with activity. The lifecycle and the
-- score dates read it, so a book too young for a score still has an as_of_date.

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

final as (
    select
        {%- if as_of_date_literal() is none %}
            max(activity_date) as as_of_date,
        {%- else %}
        {{ as_of_date_literal() }} as as_of_date,
        {%- endif %}
        min(activity_date) as first_data_date
    from all_dates
)

select * from final
