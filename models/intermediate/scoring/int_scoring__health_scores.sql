-- One row per account and score date: the four family scores, the weighted health score
-- (missing factors and families have their weight redistributed over what is there, never
-- scored as 0), data completeness, tiers, and the weakest family with its worst factor.
-- Tiers (seeds/score_tiers.csv) cut either the score itself (basis 'score') or the account's
-- percentile among its segment's accounts on the same date (basis 'segment_percentile', 0 =
-- the worst): a book whose scores sit high or low still has its worst accounts in critical,
-- and a segment whose scores run higher than another's is not ranked healthier for it. A
-- segment with fewer than tier_min_peers scored accounts on a date is ranked with the whole
-- book instead. Segment and book are the account's organisation (tenant): one tenant's
-- accounts never move another's percentile or tier, unless the var cross_tenant_benchmarks
-- opts in to peers across every organisation. Incremental on score_date like
-- int_scoring__factor_scores: a percentile ranks the accounts of one date, so a date is
-- recomputed whole, from the contributions of that date.
-- depends_on: {{ ref('int_scoring__account_dates') }}
{{ config(**incremental_on_score_date('int_scoring__account_dates')) }}
{%- set min_peers = var('tier_min_peers') | int %}

with

{%- if is_incremental() %}

{{ scoring_dates_to_build(ref('int_scoring__account_dates')) }},
{%- endif %}

contributions as (
    select * from {{ ref('int_scoring__factor_contributions') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

tiers as (
    select * from {{ ref('score_tiers') }}
),

weights_version as (
    select * from {{ ref('int_scoring__weights_version') }}
),

-- rounded like the health score: a sum depends on the order of its terms, and a date
-- recomputed alone must equal the same date of a full build
family_scores as (
    select
        account_id,
        score_date,
        family,
        {{ round_score(
            "sum(case when sub_score is not null then factor_weight * sub_score end)"
            ~ " / nullif(sum(case when sub_score is not null then factor_weight else 0 end), 0)"
        ) }} as family_score,
        {{ round_score('sum(points_lost)') }} as family_points_lost
    from contributions
    group by 1, 2, 3
),

account_scores as (
    select
        account_id,
        org_id,
        score_date,
        segment,
        100.0 - sum(points_lost) as health_score_raw,
        max(data_completeness) as data_completeness,
        sum(case when sub_score is not null then 1 else 0 end) as factors_with_data
    from contributions
    group by 1, 2, 3, 4
),

-- ranked in place (no join back): accounts without data form their own partition; the
-- segment and the book are the organisation's (peer_org_partition)
peer_ranks as (
    select
        *,
        100.0 * percent_rank() over (
            partition by {{ peer_org_partition() }}score_date, segment, factors_with_data = 0
            order by {{ round_score("health_score_raw") }}
        ) as segment_rank,
        100.0 * percent_rank() over (
            partition by {{ peer_org_partition() }}score_date, factors_with_data = 0
            order by {{ round_score("health_score_raw") }}
        ) as book_rank,
        count(*) over (
            partition by {{ peer_org_partition() }}score_date, segment, factors_with_data = 0
        ) as segment_peers
    from account_scores
),

percentiles as (
    select
        *,
        case
            when factors_with_data = 0 then null
            when segment_peers >= {{ min_peers }} then segment_rank
            else book_rank
        end as segment_percentile
    from peer_ranks
),

pivoted as (
    select
        account_id,
        score_date,
        max(case when family = 'usage' then family_score end) as usage_score,
        max(case when family = 'support' then family_score end) as support_score,
        max(case when family = 'relationship' then family_score end) as relationship_score,
        max(case when family = 'finance' then family_score end) as finance_score
    from family_scores
    group by 1, 2
),

weakest_family as (
    select
        account_id,
        score_date,
        family,
        family_score,
        row_number() over (
            partition by account_id, score_date
            order by family_points_lost desc, family asc
        ) as loss_rank
    from family_scores
    where family_score is not null
),

worst_factor as (
    select
        account_id,
        score_date,
        family,
        factor_name,
        raw_value,
        unit,
        sub_score,
        row_number() over (
            partition by account_id, score_date, family
            order by points_lost desc, factor_name asc
        ) as loss_rank
    from contributions
    where sub_score is not null
),

final as (
    select
        percentiles.account_id,
        percentiles.org_id,
        percentiles.score_date,
        percentiles.segment,
        pivoted.usage_score,
        pivoted.support_score,
        pivoted.relationship_score,
        pivoted.finance_score,
        case
            when percentiles.factors_with_data > 0
                then {{ round_score("percentiles.health_score_raw") }}
        end as health_score,
        percentiles.data_completeness,
        percentiles.segment_percentile,
        health_tiers.label as health_tier,
        risk_levels.label as risk_level,
        weakest_family.family as weakest_family,
        weakest_family.family_score as weakest_family_score,
        worst_factor.factor_name as weakest_factor,
        worst_factor.raw_value as weakest_factor_value,
        worst_factor.unit as weakest_factor_unit,
        worst_factor.sub_score as weakest_factor_score,
        weights_version.weights_version
    from percentiles
    inner join pivoted
        on
            percentiles.account_id = pivoted.account_id
            and percentiles.score_date = pivoted.score_date
    left join weakest_family
        on
            percentiles.account_id = weakest_family.account_id
            and percentiles.score_date = weakest_family.score_date
            and weakest_family.loss_rank = 1
    left join worst_factor
        on
            weakest_family.account_id = worst_factor.account_id
            and weakest_family.score_date = worst_factor.score_date
            and weakest_family.family = worst_factor.family
            and worst_factor.loss_rank = 1
    left join tiers as health_tiers
        on
            health_tiers.scale = 'health_tier'
            and {{ tier_measure('health_tiers') }} >= health_tiers.min_score
            and {{ tier_measure('health_tiers') }} < health_tiers.max_score
    left join tiers as risk_levels
        on
            risk_levels.scale = 'risk_level'
            and {{ tier_measure('risk_levels') }} >= risk_levels.min_score
            and {{ tier_measure('risk_levels') }} < risk_levels.max_score
    cross join weights_version
)

select * from final
