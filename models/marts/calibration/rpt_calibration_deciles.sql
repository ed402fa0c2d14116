-- Lift by score decile, per segment and weights_version: decile 1 holds the lowest scores.
-- lift = the decile's churn rate / the overall churn rate; a useful score has lift well
-- above 1 in decile 1 and below 1 in decile 10.

with

outcomes as (
    select * from {{ ref('int_outcomes') }}
    where not is_censored and health_score is not null
),

ranked as (
    select
        segment,
        weights_version,
        history_source,
        health_score,
        is_churned_within_horizon,
        ntile(10) over (
            partition by segment, weights_version order by health_score, account_id, score_date
        ) as score_decile
    from outcomes
),

overall as (
    select
        segment,
        weights_version,
        avg(cast(is_churned_within_horizon as {{ type_double() }})) as overall_churn_rate
    from outcomes
    group by 1, 2
),

deciles as (
    select
        segment,
        weights_version,
        score_decile,
        count(*) as account_dates,
        sum(is_churned_within_horizon) as churned,
        min(health_score) as min_score,
        max(health_score) as max_score,
        {{ dbt.listagg('distinct history_source', "', '", 'order by history_source') }}
            as history_sources
    from ranked
    group by 1, 2, 3
),

final as (
    select
        deciles.segment,
        deciles.weights_version,
        deciles.history_sources,
        cast(deciles.score_decile as integer) as score_decile,
        cast(deciles.account_dates as bigint) as account_dates,
        cast(deciles.churned as bigint) as churned,
        {{ round_score('deciles.min_score') }} as min_score,
        {{ round_score('deciles.max_score') }} as max_score,
        {{ round_score('1.0 * deciles.churned / deciles.account_dates') }} as churn_rate,
        {{ round_score(
            '1.0 * deciles.churned / deciles.account_dates / nullif(overall.overall_churn_rate, 0)'
        ) }} as lift
    from deciles
    inner join overall
        on
            deciles.segment = overall.segment
            and deciles.weights_version = overall.weights_version
)

select * from final
