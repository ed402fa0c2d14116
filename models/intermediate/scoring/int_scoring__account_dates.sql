-- One row per account and score date on which the account was a paying customer: inside one
-- of its lifecycle episodes (int_lifecycle__episodes), so a reactivated account is scored
-- again and an account is never scored between its churn and its return. Every factor model
-- starts here.

with

episodes as (
    select * from {{ ref('int_lifecycle__episodes') }}
),

score_dates as (
    select * from {{ ref('int_scoring__score_dates') }}
),

final as (
    select
        episodes.account_id,
        episodes.org_id,
        episodes.segment,
        episodes.episode_number,
        score_dates.score_date,
        score_dates.is_current
    from episodes
    inner join score_dates
        on
            score_dates.score_date >= episodes.episode_start_date
            and (
                episodes.episode_end_date is null
                or score_dates.score_date < episodes.episode_end_date
            )
)

select * from final
