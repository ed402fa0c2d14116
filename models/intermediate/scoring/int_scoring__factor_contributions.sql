-- How much each factor moves the health score: its effective weight after missing data is
-- redistributed (within its family, then across families) and the points it loses (weight
-- times the distance of its sub-score from 100). The points lost of an account-date add up
-- to 100 - health_score. Incremental on score_date like int_scoring__factor_scores: the same
-- dates are recomputed, from the factor scores of those dates.
-- depends_on: {{ ref('int_scoring__account_dates') }}
-- depends_on: {{ ref('int_scoring__weights_version') }}
{{ config(**incremental_on_score_date('int_scoring__account_dates')) }}

with

{%- if is_incremental() %}

{{ scoring_dates_to_build(ref('int_scoring__account_dates')) }},
{%- endif %}

factor_scores as (
    select * from {{ ref('int_scoring__factor_scores') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

segment_weights as (
    select * from {{ ref('segment_weights') }}
),

family_totals as (
    select
        account_id,
        score_date,
        segment,
        family,
        sum(factor_weight) as family_factor_weight,
        sum(case when sub_score is not null then factor_weight else 0 end)
            as family_factor_weight_with_data
    from factor_scores
    group by 1, 2, 3, 4
),

families_with_weights as (
    select
        family_totals.account_id,
        family_totals.score_date,
        family_totals.family,
        family_totals.family_factor_weight,
        family_totals.family_factor_weight_with_data,
        segment_weights.weight as family_weight
    from family_totals
    inner join segment_weights
        on
            family_totals.segment = segment_weights.segment
            and family_totals.family = segment_weights.family
),

account_totals as (
    select
        account_id,
        score_date,
        sum(family_weight) as total_family_weight,
        sum(case when family_factor_weight_with_data > 0 then family_weight else 0 end)
            as total_family_weight_with_data,
        sum(family_weight * family_factor_weight_with_data / family_factor_weight)
            as weight_with_data
    from families_with_weights
    group by 1, 2
),

weighted as (
    select
        factor_scores.account_id,
        factor_scores.org_id,
        factor_scores.score_date,
        factor_scores.segment,
        factor_scores.family,
        factor_scores.factor_name,
        factor_scores.raw_value,
        factor_scores.unit,
        factor_scores.is_key,
        factor_scores.sub_score,
        factor_scores.factor_weight,
        families_with_weights.family_weight,
        case
            when factor_scores.sub_score is not null
                then
                    factor_scores.factor_weight
                    / families_with_weights.family_factor_weight_with_data
                    * families_with_weights.family_weight
                    / account_totals.total_family_weight_with_data
            else 0.0
        end as effective_weight,
        case
            when factor_scores.sub_score is not null
                then
                    factor_scores.factor_weight
                    / families_with_weights.family_factor_weight_with_data
                    * families_with_weights.family_weight
                    / account_totals.total_family_weight_with_data
                    * (100.0 - factor_scores.sub_score)
            else 0.0
        end as points_lost,
        account_totals.weight_with_data / account_totals.total_family_weight as data_completeness,
        -- the weights the factor scores were computed with
        factor_scores.weights_version
    from factor_scores
    inner join families_with_weights
        on
            factor_scores.account_id = families_with_weights.account_id
            and factor_scores.score_date = families_with_weights.score_date
            and factor_scores.family = families_with_weights.family
    inner join account_totals
        on
            factor_scores.account_id = account_totals.account_id
            and factor_scores.score_date = account_totals.score_date
),

final as (
    -- rounded, so that ties between drivers break the same way on every engine
    select
        account_id,
        org_id,
        score_date,
        segment,
        family,
        factor_name,
        raw_value,
        unit,
        is_key,
        sub_score,
        factor_weight,
        family_weight,
        {{ round_score('effective_weight') }} as effective_weight,
        {{ round_score('points_lost') }} as points_lost,
        {{ round_score('data_completeness') }} as data_completeness,
        weights_version
    from weighted
)

select * from final
