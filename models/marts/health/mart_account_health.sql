-- The current health of every live account: one row per account, exactly the latest date of
-- mart_account_health_history. This is the table a CSM's list and a BI dashboard read.

with

history as (
    select * from {{ ref('mart_account_health_history') }}
),

current_date_row as (
    select max(score_date) as score_date from history
),

final as (
    select
        {{ account_health_columns('history') }}
    from history
    inner join current_date_row
        on history.score_date = current_date_row.score_date
)

select * from final
