-- The ARR and the next renewal of every account on every score date, from its CRM contracts:
-- the reporting-currency ARR of the contracts started and not yet ended (0 when none), the
-- earliest renewal date on or after the score date, and the days until it. Incremental on
-- score_date (scoring_dates_to_build): a run recomputes the last history_lookback_days of score
-- dates and the dates whose accounts changed; no configuration goes into it, so it carries no
-- weights_version. A contract changed for dates before the window needs a --full-refresh.
{{ config(**incremental_on_score_date('int_scoring__account_dates')) }}

with

{%- if is_incremental() %}

{{ scoring_dates_to_build(ref('int_scoring__account_dates'), stamps={}) }},
{%- endif %}

account_dates as (
    select * from {{ ref('int_scoring__account_dates') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

contracts as (
    select * from {{ ref('stg_crm__contracts') }}
    where not is_deleted
),

renewals as (
    select
        account_dates.account_id,
        account_dates.score_date,
        sum(case
            when contracts.end_date >= account_dates.score_date
                then contracts.arr_reporting
            else 0
        end) as arr_reporting,
        min(case
            when contracts.renewal_date >= account_dates.score_date then contracts.renewal_date
        end) as next_renewal_date
    from account_dates
    inner join contracts
        on
            account_dates.account_id = contracts.account_id
            and account_dates.score_date >= contracts.start_date
    group by 1, 2
),

final as (
    select
        -- ids
        account_dates.account_id,
        account_dates.score_date,
        -- measures
        coalesce(renewals.arr_reporting, 0.0) as arr_reporting,
        {{ dbt.datediff('account_dates.score_date', 'renewals.next_renewal_date', 'day') }}
            as days_to_renewal,
        -- dates
        renewals.next_renewal_date
    from account_dates
    left join renewals
        on
            account_dates.account_id = renewals.account_id
            and account_dates.score_date = renewals.score_date
)

select * from final
