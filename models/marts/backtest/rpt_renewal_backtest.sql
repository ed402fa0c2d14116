-- The score as a CS leader judges it: for every renewal with a known outcome
-- (int_lifecycle__renewals) and every horizon of var backtest_horizons_days, what the account's
-- history said at renewal_date minus the horizon, point in time. The history row used is the
-- latest on or before that date (the history is weekly unless score_grain is 'day'), and no
-- older than backtest_max_staleness_days; a renewal without one gets a row with a null score
-- and has_score false, so the coverage of the backtest is visible rather than assumed.
{%- set horizons = var('backtest_horizons_days') %}
{%- set staleness = var('backtest_max_staleness_days') | int %}

with

renewals as (
    select * from {{ ref('int_lifecycle__renewals') }}
),

history as (
    select * from {{ ref('mart_account_health_history') }}
),

horizons as (
    {%- for horizon in horizons %}
        select {{ horizon | int }} as horizon_days
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

renewal_horizons as (
    select
        renewals.*,
        horizons.horizon_days,
        cast(
            {{ dbt.dateadd('day', '-1 * horizons.horizon_days', 'renewals.renewal_date') }}
            as date
        ) as cutoff_date
    from renewals
    cross join horizons
),

candidates as (
    select
        renewal_horizons.renewal_id,
        renewal_horizons.horizon_days,
        history.score_date,
        history.segment,
        history.health_score,
        history.health_tier,
        history.final_tier,
        history.risk_level,
        history.priority_score,
        history.score_delta_30d,
        history.rule_flag_count,
        history.data_completeness,
        history.segment_percentile,
        history.churn_probability,
        history.weights_version,
        row_number() over (
            partition by renewal_horizons.renewal_id, renewal_horizons.horizon_days
            order by history.score_date desc
        ) as recency_rank
    from renewal_horizons
    inner join history
        on
            renewal_horizons.account_id = history.account_id
            and history.score_date <= renewal_horizons.cutoff_date
            and history.score_date
            > {{ dbt.dateadd('day', -staleness, 'renewal_horizons.cutoff_date') }}
    where history.health_score is not null
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
        {{ generate_surrogate_key(
            ['renewal_horizons.renewal_id', 'renewal_horizons.horizon_days']
        ) }} as backtest_row_id,
        renewal_horizons.renewal_id,
        renewal_horizons.account_id,
        renewal_horizons.org_id,
        -- dimensions
        coalesce(candidates.segment, accounts.segment) as segment,
        renewal_horizons.recorded_by,
        renewal_horizons.renewal_outcome,
        renewal_horizons.is_lost,
        renewal_horizons.horizon_days,
        candidates.score_date is not null as has_score,
        candidates.health_tier,
        candidates.final_tier,
        candidates.risk_level,
        candidates.weights_version,
        -- measures
        renewal_horizons.arr_reporting,
        candidates.health_score,
        candidates.priority_score,
        candidates.score_delta_30d,
        candidates.rule_flag_count,
        candidates.data_completeness,
        candidates.segment_percentile,
        candidates.churn_probability,
        -- dates
        renewal_horizons.renewal_date,
        renewal_horizons.cutoff_date,
        candidates.score_date
    from renewal_horizons
    left join candidates
        on
            renewal_horizons.renewal_id = candidates.renewal_id
            and renewal_horizons.horizon_days = candidates.horizon_days
            and candidates.recency_rank = 1
    left join accounts
        on renewal_horizons.account_id = accounts.account_id
)

select * from final
