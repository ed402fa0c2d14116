-- The top three drivers of every account's score on every score date: the factors losing the
-- most points (ties by factor name), each in plain words with its value and its share of the
-- points lost, and the explanation that strings them together. Accounts losing no points have
-- no drivers; accounts without any signal say so. Incremental on score_date
-- (scoring_dates_to_build, with the health scores' accounts and dates): a run recomputes the
-- last history_lookback_days of score dates, the dates whose accounts changed and the dates
-- scored with other weights_version.
-- depends_on: {{ ref('int_scoring__weights_version') }}
{{ config(**incremental_on_score_date('int_scoring__health_scores')) }}

with

{%- if is_incremental() %}

{{ scoring_dates_to_build(ref('int_scoring__health_scores')) }},
{%- endif %}

scores as (
    select * from {{ ref('int_scoring__health_scores') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

contributions as (
    select * from {{ ref('int_scoring__factor_contributions') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

catalogue as (
    select * from {{ ref('factor_catalogue') }}
),

drivers as (
    select
        contributions.account_id,
        contributions.score_date,
        contributions.factor_name,
        {{ capitalize('contributions.family') }} || ': '
        || replace(
            catalogue.phrase,
            '{value}',
            {{ format_factor_value('contributions.raw_value', 'contributions.unit') }}
        ) as driver_text,
        contributions.points_lost,
        -- the sum rounded (its terms are): the same share whatever order they are added in
        contributions.points_lost / nullif({{ round_score(
            'sum(contributions.points_lost) over ('
            ~ 'partition by contributions.account_id, contributions.score_date)'
        ) }}, 0) as share_of_lost_points,
        row_number() over (
            partition by contributions.account_id, contributions.score_date
            order by contributions.points_lost desc, contributions.factor_name asc
        ) as driver_rank
    from contributions
    inner join catalogue
        on contributions.factor_name = catalogue.factor_name
    where contributions.points_lost > 0
),

top_drivers as (
    select
        account_id,
        score_date,
        max(case when driver_rank = 1 then factor_name end) as driver_1,
        max(case when driver_rank = 2 then factor_name end) as driver_2,
        max(case when driver_rank = 3 then factor_name end) as driver_3,
        max(case when driver_rank = 1 then driver_text end) as driver_1_text,
        max(case when driver_rank = 2 then driver_text end) as driver_2_text,
        max(case when driver_rank = 3 then driver_text end) as driver_3_text,
        max(case when driver_rank = 1 then share_of_lost_points end) as driver_1_share,
        max(case when driver_rank = 2 then share_of_lost_points end) as driver_2_share,
        max(case when driver_rank = 3 then share_of_lost_points end) as driver_3_share
    from drivers
    where driver_rank <= 3
    group by 1, 2
),

final as (
    select
        -- ids
        scores.account_id,
        scores.score_date,
        -- dimensions
        top_drivers.driver_1,
        top_drivers.driver_2,
        top_drivers.driver_3,
        top_drivers.driver_1_text,
        top_drivers.driver_2_text,
        top_drivers.driver_3_text,
        -- measures
        top_drivers.driver_1_share,
        top_drivers.driver_2_share,
        top_drivers.driver_3_share,
        -- explanation
        case
            when scores.health_score is null then 'No signals available for this account.'
            else
                coalesce(top_drivers.driver_1_text, 'No factor below its best level')
                || coalesce('; ' || top_drivers.driver_2_text, '')
                || coalesce('; ' || top_drivers.driver_3_text, '')
        end as explanation,
        -- the configuration the drivers were computed with
        scores.weights_version
    from scores
    left join top_drivers
        on
            scores.account_id = top_drivers.account_id
            and scores.score_date = top_drivers.score_date
)

select * from final
