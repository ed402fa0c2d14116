-- The top three drivers of every account's expansion score on every score date: the factors
-- adding the most points to it (ties by factor name), each in plain words with its value and
-- its share of the score, e.g. "active users at 96% of licensed seats". The first one picks the
-- expansion play. One row per account and score date of the expansion factor scores; an account
-- with no factor adding points has null drivers that date.
-- Incremental on score_date like the expansion factor scores it reads (scoring_dates_to_build,
-- with the same stamps): a run recomputes the dates they recompute. The words (the catalogue's
-- phrases) are in no stamp: a new phrase reaches the dates a run recomputes, and every date on
-- a full refresh, as the health side's playbooks do.
-- depends_on: {{ ref('int_scoring__weights_version') }}
-- depends_on: {{ ref('int_expansion__version') }}
{{ config(**incremental_on_score_date('int_scoring__account_dates')) }}

with

{%- if is_incremental() %}

{{ scoring_dates_to_build(ref('int_scoring__account_dates'), stamps={
    'weights_version': 'select weights_version from ' ~ ref('int_scoring__weights_version'),
    'expansion_version': 'select expansion_version from ' ~ ref('int_expansion__version'),
}) }},
{%- endif %}

factor_scores as (
    select * from {{ ref('int_expansion__factor_scores') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

account_dates as (
    select distinct
        account_id,
        score_date,
        weights_version,
        expansion_version
    from factor_scores
),

catalogue as (
    select * from {{ ref('expansion_factor_catalogue') }}
),

drivers as (
    select
        factor_scores.account_id,
        factor_scores.score_date,
        factor_scores.factor_name,
        replace(
            catalogue.phrase,
            '{value}',
            {{ format_factor_value('factor_scores.raw_value', 'factor_scores.unit') }}
        ) as driver_text,
        factor_scores.points / nullif(sum(factor_scores.points) over (
            partition by factor_scores.account_id, factor_scores.score_date
        ), 0) as share_of_score,
        row_number() over (
            partition by factor_scores.account_id, factor_scores.score_date
            order by factor_scores.points desc, factor_scores.factor_name asc
        ) as driver_rank
    from factor_scores
    inner join catalogue
        on factor_scores.factor_name = catalogue.factor_name
    where factor_scores.points > 0
),

ranked as (
    select * from drivers
    where driver_rank <= 3
),

final as (
    select
        -- ids
        account_dates.account_id,
        account_dates.score_date,
        -- dimensions
        max(case when ranked.driver_rank = 1 then ranked.factor_name end) as driver_1,
        max(case when ranked.driver_rank = 2 then ranked.factor_name end) as driver_2,
        max(case when ranked.driver_rank = 3 then ranked.factor_name end) as driver_3,
        max(case when ranked.driver_rank = 1 then ranked.driver_text end) as driver_1_text,
        max(case when ranked.driver_rank = 2 then ranked.driver_text end) as driver_2_text,
        max(case when ranked.driver_rank = 3 then ranked.driver_text end) as driver_3_text,
        -- measures
        {{ round_score('max(case when ranked.driver_rank = 1 then ranked.share_of_score end)') }}
            as driver_1_share,
        {{ round_score('max(case when ranked.driver_rank = 2 then ranked.share_of_score end)') }}
            as driver_2_share,
        {{ round_score('max(case when ranked.driver_rank = 3 then ranked.share_of_score end)') }}
            as driver_3_share,
        -- metadata
        account_dates.weights_version,
        account_dates.expansion_version
    from account_dates
    left join ranked
        on
            account_dates.account_id = ranked.account_id
            and account_dates.score_date = ranked.score_date
    group by
        account_dates.account_id,
        account_dates.score_date,
        account_dates.weights_version,
        account_dates.expansion_version
)

select * from final
