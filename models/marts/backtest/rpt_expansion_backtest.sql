-- The expansion score judged the way the health score is judged on renewals: for every
-- expansion that happened (int_expansion__expansions) and every account that did not expand,
-- what the account's expansion score said horizon days before (var backtest_horizons_days),
-- point in time. The cases:
-- * an expansion, dated by its first event;
-- * a reference date every expansion_backtest_reference_days (13 weeks), for each account
--   paying on it that had no expansion within expansion_backtest_quiet_days before or after it,
--   and only once those days are past (a later expansion is unknown, not absent).
-- The score used is the account's latest history-date score on or before case date minus the
-- horizon, at most backtest_max_staleness_days old; a case without one keeps its row with
-- has_score false, so coverage is visible. `customer-health expansion-backtest` turns these
-- rows into AUCs.
{%- set horizons = var('backtest_horizons_days') %}
{%- set staleness = var('backtest_max_staleness_days') | int %}
{%- set reference_days = var('expansion_backtest_reference_days') | int %}
{%- set quiet_days = var('expansion_backtest_quiet_days') | int %}

with

expansions as (
    select * from {{ ref('int_expansion__expansions') }}
),

account_dates as (
    select * from {{ ref('int_scoring__account_dates') }}
),

score_dates as (
    select * from {{ ref('int_scoring__score_dates') }}
),

scores as (
    select expansion_scores.*
    from {{ ref('int_expansion__scores') }} as expansion_scores
    inner join score_dates
        on expansion_scores.score_date = score_dates.score_date
    where score_dates.is_history_date and expansion_scores.expansion_score is not null
),

as_of as (
    select max(score_date) as as_of_date from score_dates
),

-- Sundays 13 weeks apart (1970-01-04 was a Sunday), on the history grid
reference_dates as (
    select score_dates.score_date as reference_date
    from score_dates
    cross join as_of
    where
        score_dates.is_history_date
        and mod(
            {{ dbt.datediff("cast('1970-01-04' as date)", 'score_dates.score_date', 'day') }},
            {{ reference_days }}
        ) = 0
        and score_dates.score_date
        <= cast({{ dbt.dateadd('day', -quiet_days, 'as_of.as_of_date') }} as date)
),

quiet_accounts as (
    select
        account_dates.account_id,
        account_dates.org_id,
        reference_dates.reference_date
    from account_dates
    inner join reference_dates
        on account_dates.score_date = reference_dates.reference_date
    left join expansions
        on
            account_dates.account_id = expansions.account_id
            and expansions.expansion_date
            >= {{ dbt.dateadd('day', -quiet_days, 'reference_dates.reference_date') }}
            and expansions.expansion_date
            <= {{ dbt.dateadd('day', quiet_days, 'reference_dates.reference_date') }}
    where expansions.account_id is null
),

cases as (
    select
        expansion_id as case_id,
        account_id,
        org_id,
        'expansion' as case_type,
        arr_added_reporting,
        expansion_date as case_date
    from expansions
    union all
    select
        {{ generate_surrogate_key(["'no_expansion'", 'account_id', 'reference_date']) }} as case_id,
        account_id,
        org_id,
        'no_expansion' as case_type,
        cast(null as {{ type_double() }}) as arr_added_reporting,
        reference_date as case_date
    from quiet_accounts
),

horizons as (
    {%- for horizon in horizons %}
        select {{ horizon | int }} as horizon_days
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

case_horizons as (
    select
        cases.*,
        horizons.horizon_days,
        cast(
            {{ dbt.dateadd('day', '-1 * horizons.horizon_days', 'cases.case_date') }} as date
        ) as cutoff_date
    from cases
    cross join horizons
),

candidates as (
    select
        case_horizons.case_id,
        case_horizons.horizon_days,
        scores.score_date,
        scores.segment,
        scores.expansion_score,
        scores.expansion_tier,
        scores.score_tier,
        scores.health_final_tier,
        scores.data_completeness,
        row_number() over (
            partition by case_horizons.case_id, case_horizons.horizon_days
            order by scores.score_date desc
        ) as recency_rank
    from case_horizons
    inner join scores
        on
            case_horizons.account_id = scores.account_id
            and scores.score_date <= case_horizons.cutoff_date
            and scores.score_date
            > {{ dbt.dateadd('day', -staleness, 'case_horizons.cutoff_date') }}
),

accounts as (
    select
        account_id,
        segment
    from {{ ref('stg_crm__accounts') }}
),

final as (
    select
        -- ids
        {{ generate_surrogate_key(['case_horizons.case_id', 'case_horizons.horizon_days']) }}
            as backtest_row_id,
        case_horizons.case_id,
        case_horizons.account_id,
        case_horizons.org_id,
        -- dimensions
        coalesce(candidates.segment, accounts.segment) as segment,
        case_horizons.case_type,
        case_horizons.case_type = 'expansion' as is_expansion,
        case_horizons.horizon_days,
        candidates.score_date is not null as has_score,
        candidates.expansion_tier,
        candidates.score_tier as expansion_score_tier,
        candidates.health_final_tier,
        -- measures
        case_horizons.arr_added_reporting,
        candidates.expansion_score,
        candidates.data_completeness as expansion_data_completeness,
        -- dates
        case_horizons.case_date,
        case_horizons.cutoff_date,
        candidates.score_date
    from case_horizons
    left join candidates
        on
            case_horizons.case_id = candidates.case_id
            and case_horizons.horizon_days = candidates.horizon_days
            and candidates.recency_rank = 1
    left join accounts
        on case_horizons.account_id = accounts.account_id
)

select * from final
