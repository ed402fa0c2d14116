-- The factors behind each backtest row (rpt_renewal_backtest): every factor's raw value,
-- sub-score and effective weight on the score date the backtest used. The plain logistic
-- baseline of `customer-health backtest` and the factor-level calibration learn from these,
-- on exactly the renewals the score is judged on. A factor without evidence has a null
-- raw_value and sub_score (missing, never 0).

with

backtest as (
    select * from {{ ref('rpt_renewal_backtest') }}
    where has_score
),

contributions as (
    select * from {{ ref('int_scoring__factor_contributions') }}
),

final as (
    select
        -- ids
        {{ generate_surrogate_key(['backtest.backtest_row_id', 'contributions.factor_name']) }}
            as backtest_factor_id,
        backtest.backtest_row_id,
        backtest.renewal_id,
        backtest.account_id,
        backtest.org_id,
        -- dimensions
        backtest.segment,
        backtest.is_lost,
        backtest.horizon_days,
        contributions.family,
        contributions.factor_name,
        -- measures
        contributions.raw_value,
        contributions.sub_score,
        contributions.effective_weight,
        contributions.points_lost,
        -- dates
        backtest.renewal_date,
        backtest.score_date
    from backtest
    inner join contributions
        on
            backtest.account_id = contributions.account_id
            and backtest.score_date = contributions.score_date
)

select * from final
