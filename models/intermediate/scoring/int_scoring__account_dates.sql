-- One row per account and score date on which the account was a live customer: created on
-- or before the date, not yet churned, not soft-deleted. Every factor model starts here.

with

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

score_dates as (
    select * from {{ ref('int_scoring__score_dates') }}
),

churns as (
    select
        account_id,
        min(outcome_date) as churned_date
    from {{ ref('stg_crm__outcomes') }}
    where outcome_type = 'churned'
    group by 1
),

final as (
    select
        accounts.account_id,
        accounts.org_id,
        accounts.segment,
        score_dates.score_date,
        score_dates.is_current
    from accounts
    cross join score_dates
    left join churns
        on accounts.account_id = churns.account_id
    where
        not accounts.is_deleted
        and accounts.created_date <= score_dates.score_date
        and (churns.churned_date is null or churns.churned_date > score_dates.score_date)
)

select * from final
