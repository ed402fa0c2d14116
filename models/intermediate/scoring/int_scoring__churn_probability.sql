-- The churn probability of every account and score date: the chance its next renewal is lost
-- (within the calibration horizon), from the model `customer-health calibrate` fits on the
-- book's own renewals (seeds/churn_probability_model.csv):
--     p = 1 / (1 + exp(-(intercept + slope * (100 - health_score) / 100)))
-- per segment (a segment without its own row uses 'all'). Its drivers are the score's: a
-- factor's points lost move p through the same slope. The 80% interval comes from the fit's
-- bootstrap replicates and is computed for the current score date only. Until a model is
-- fitted for the weights in use, p is null and probability_note says why. Incremental on
-- score_date (scoring_dates_to_build, with the health scores' accounts and dates): besides its
-- weights_version, each row carries a fingerprint of the whole model seed, so that a new fit
-- (or none) recomputes every date.
{{ config(**incremental_on_score_date('int_scoring__health_scores')) }}
{#- a fingerprint of the whole model seed ('none' while it is empty) -#}
{%- set model_version_query -%}
    select
        coalesce(
            substring(
                {{ dbt.hash(dbt.listagg('model_row', "'\n'", 'order by model_row')) }}, 1, 12
            ),
            'none'
        ) as churn_model_version
    from (
        select
            weights_version || '|' || segment || '|'
            || cast(replicate as {{ dbt.type_string() }}) || '|'
            || {{ format_number('intercept', 9) }} || '|'
            || {{ format_number('slope', 9) }} || '|'
            || coalesce(cast(horizon_days as {{ dbt.type_string() }}), '') || '|'
            || coalesce(cast(renewals as {{ dbt.type_string() }}), '') || '|'
            || coalesce(cast(lost as {{ dbt.type_string() }}), '') || '|'
            || coalesce(cast(fitted_on as {{ dbt.type_string() }}), '') as model_row
        from {{ ref('churn_probability_model') }}
    ) as model_rows
{%- endset %}

with

{%- if is_incremental() %}

{{ scoring_dates_to_build(ref('int_scoring__health_scores'), stamps={
    'weights_version': 'select weights_version from ' ~ ref('int_scoring__weights_version'),
    'churn_model_version': model_version_query,
}) }},
{%- endif %}

model as (
    select * from {{ ref('churn_probability_model') }}
),

model_version as (
    {{ model_version_query }}
),

scores as (
    select * from {{ ref('int_scoring__health_scores') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

score_dates as (
    select * from {{ ref('int_scoring__score_dates') }}
),

fitted as (
    select model.*
    from model
    inner join {{ ref('int_scoring__weights_version') }} as weights_version
        on model.weights_version = weights_version.weights_version
),

model_state as (
    select
        count(*) as model_rows,
        max(weights_version) as fitted_for
    from model
),

fitted_segments as (
    select distinct segment from fitted
),

-- the segment's own coefficients, else the book-wide ones
scored as (
    select
        scores.account_id,
        scores.score_date,
        scores.health_score,
        coalesce(own.segment, 'all') as model_segment,
        score_dates.is_current
    from scores
    inner join score_dates
        on scores.score_date = score_dates.score_date
    left join fitted_segments as own
        on scores.segment = own.segment
    where scores.health_score is not null
),

replicates as (
    select
        scored.account_id,
        scored.score_date,
        fitted.replicate,
        fitted.renewals,
        fitted.lost,
        fitted.fitted_on,
        1.0 / (1.0 + exp(-1.0 * (
            case
                when fitted.intercept + fitted.slope * (100.0 - scored.health_score) / 100.0 > 30
                    then 30.0
                when fitted.intercept + fitted.slope * (100.0 - scored.health_score) / 100.0 < -30
                    then -30.0
                else fitted.intercept + fitted.slope * (100.0 - scored.health_score) / 100.0
            end
        ))) as probability
    from scored
    inner join fitted
        on scored.model_segment = fitted.segment
    where fitted.replicate = 0 or scored.is_current
),

ranked as (
    select
        *,
        row_number() over (
            partition by account_id, score_date
            order by case when replicate = 0 then 1 else 0 end, probability
        ) as probability_rank,
        sum(case when replicate > 0 then 1 else 0 end) over (
            partition by account_id, score_date
        ) as bootstrap_replicates
    from replicates
),

summarised as (
    select
        account_id,
        score_date,
        max(case when replicate = 0 then probability end) as churn_probability,
        max(case
            when replicate > 0 and probability_rank = greatest(1, round(0.1 * bootstrap_replicates))
                then probability
        end) as churn_probability_low,
        max(case
            when replicate > 0 and probability_rank = round(0.9 * bootstrap_replicates)
                then probability
        end) as churn_probability_high,
        max(case when replicate = 0 then renewals end) as renewals,
        max(case when replicate = 0 then lost end) as lost,
        max(case when replicate = 0 then fitted_on end) as fitted_on
    from ranked
    group by 1, 2
),

final as (
    select
        scores.account_id,
        scores.score_date,
        summarised.churn_probability,
        summarised.churn_probability_low,
        summarised.churn_probability_high,
        case
            when scores.health_score is null then 'no score, so no probability'
            when summarised.churn_probability is not null
                then
                    'fitted on ' || cast(summarised.renewals as {{ dbt.type_string() }})
                    || ' renewals (' || cast(summarised.lost as {{ dbt.type_string() }})
                    || ' lost) up to ' || cast(summarised.fitted_on as {{ dbt.type_string() }})
            when model_state.model_rows = 0
                then
                    'no churn model fitted yet: run `customer-health calibrate` once the book'
                    || ' has at least 30 lost renewals'
            else
                'the churn model was fitted for weights '
                || coalesce(model_state.fitted_for, '(none recorded)')
                || ', the score now uses ' || scores.weights_version
                || ': run `customer-health calibrate` again'
        end as probability_note,
        -- what the probability was computed with
        scores.weights_version,
        model_version.churn_model_version
    from scores
    left join summarised
        on
            scores.account_id = summarised.account_id
            and scores.score_date = summarised.score_date
    cross join model_state
    cross join model_version
)

select * from final
