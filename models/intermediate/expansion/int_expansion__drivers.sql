-- The top three drivers of every account's expansion score on every score date: the factors
-- adding the most points to it (ties by factor name), each in plain words with its value and
-- its share of the score, e.g. "active users at 96% of licensed seats". The first one picks the
-- expansion play.

with

factor_scores as (
    select * from {{ ref('int_expansion__factor_scores') }}
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

final as (
    select
        -- ids
        account_id,
        score_date,
        -- dimensions
        max(case when driver_rank = 1 then factor_name end) as driver_1,
        max(case when driver_rank = 2 then factor_name end) as driver_2,
        max(case when driver_rank = 3 then factor_name end) as driver_3,
        max(case when driver_rank = 1 then driver_text end) as driver_1_text,
        max(case when driver_rank = 2 then driver_text end) as driver_2_text,
        max(case when driver_rank = 3 then driver_text end) as driver_3_text,
        -- measures
        {{ round_score('max(case when driver_rank = 1 then share_of_score end)') }}
            as driver_1_share,
        {{ round_score('max(case when driver_rank = 2 then share_of_score end)') }}
            as driver_2_share,
        {{ round_score('max(case when driver_rank = 3 then share_of_score end)') }}
            as driver_3_share
    from drivers
    where driver_rank <= 3
    group by 1, 2
)

select * from final
