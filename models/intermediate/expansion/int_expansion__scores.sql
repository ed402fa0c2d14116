-- One row per account and score date: the expansion score (0-100, the weighted mean of the
-- expansion factors' sub-scores, missing factors' weight redistributed), its tier, the top
-- drivers, a reason in plain words and the expansion play (seeds/playbooks.csv, driver_type
-- expansion). The tiers cut the score (seeds/expansion_tiers.csv), with two rules over them:
-- * never ready while the account is at risk or critical (its final tier, CSM overrides
--   included): it stays at watch, and the reason says so; the play is then the health play;
-- * never ready on too little data: less than expansion_min_completeness of the weight.
-- Incremental on score_date (scoring_dates_to_build, stamped with the weights_version and the
-- expansion_version like the factor scores): a run recomputes the dates the factor scores
-- recompute and the dates 7, 14 and 30 (or 28) days after them, the same shifts as
-- int_scoring__account_scores, so that every date whose health values that model rewrote is
-- rewritten here too. On a nightly run the shifted dates fall inside the lookback or after the
-- last date: they add no work.
{%- set min_completeness = var('expansion_min_completeness') %}
{%- set delta_30_days = 30 if var('score_grain') == 'day' else 28 %}
-- depends_on: {{ ref('int_scoring__weights_version') }}
{{ config(**incremental_on_score_date('int_scoring__account_dates')) }}

with

{%- if is_incremental() %}

{{ scoring_dates_to_build(ref('int_scoring__account_dates'), stamps={
    'weights_version': 'select weights_version from ' ~ ref('int_scoring__weights_version'),
    'expansion_version': 'select expansion_version from ' ~ ref('int_expansion__version'),
}, shift_days=[7, 14, delta_30_days]) }},
{%- endif %}

factor_scores as (
    select * from {{ ref('int_expansion__factor_scores') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

drivers as (
    select * from {{ ref('int_expansion__drivers') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

health as (
    select * from {{ ref('int_scoring__account_scores') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

tiers as (
    select * from {{ ref('expansion_tiers') }}
),

playbooks as (
    select * from {{ ref('playbooks') }}
    where driver_type = 'expansion'
),

version as (
    select * from {{ ref('int_expansion__version') }}
),

account_scores as (
    select
        account_id,
        org_id,
        score_date,
        segment,
        -- the weighted mean of the sub-scores with data (from the weights, not from the rounded
        -- points, whose sum can run a millionth past 100)
        sum(case when sub_score is not null then factor_weight * sub_score end)
        / nullif(sum(case when sub_score is not null then factor_weight else 0.0 end), 0)
            as score_raw,
        max(data_completeness) as data_completeness,
        sum(case when sub_score is not null then 1 else 0 end) as factors_with_data,
        max(weights_version) as weights_version
    from factor_scores
    group by 1, 2, 3, 4
),

tiered as (
    select
        account_scores.account_id,
        account_scores.org_id,
        account_scores.score_date,
        account_scores.segment,
        case
            when account_scores.factors_with_data > 0
                then {{ round_score('account_scores.score_raw') }}
        end as expansion_score,
        account_scores.data_completeness,
        score_tiers.label as score_tier,
        health.health_score,
        health.final_tier as health_final_tier,
        account_scores.weights_version
    from account_scores
    left join tiers as score_tiers
        on
            account_scores.factors_with_data > 0
            and {{ round_score('account_scores.score_raw') }} >= score_tiers.min_score
            and {{ round_score('account_scores.score_raw') }} < score_tiers.max_score
    left join health
        on
            account_scores.account_id = health.account_id
            and account_scores.score_date = health.score_date
),

gated as (
    select
        *,
        coalesce(score_tier = 'ready' and health_final_tier in ('at_risk', 'critical'), false)
            as is_held_back_by_risk,
        coalesce(
            score_tier = 'ready'
            and not coalesce(health_final_tier in ('at_risk', 'critical'), false)
            and data_completeness < {{ min_completeness }},
            false
        ) as is_held_back_by_data
    from tiered
),

explained as (
    select
        gated.*,
        case
            when gated.is_held_back_by_risk or gated.is_held_back_by_data then 'watch'
            else gated.score_tier
        end as expansion_tier,
        drivers.driver_1,
        drivers.driver_2,
        drivers.driver_3,
        drivers.driver_1_text,
        drivers.driver_2_text,
        drivers.driver_3_text,
        drivers.driver_1_share,
        drivers.driver_2_share,
        drivers.driver_3_share,
        coalesce(
            drivers.driver_1_text
            || coalesce('; ' || drivers.driver_2_text, '')
            || coalesce('; ' || drivers.driver_3_text, ''),
            'no factor shows a sign of expansion'
        ) as signals
    from gated
    left join drivers
        on
            gated.account_id = drivers.account_id
            and gated.score_date = drivers.score_date
),

played as (
    select
        *,
        case
            when is_held_back_by_risk then 'expansion_held_back_by_risk'
            when expansion_tier = 'none' or driver_1 is null then 'expansion_none'
            else driver_1
        end as play_driver
    from explained
),

final as (
    select
        -- ids
        played.account_id,
        played.org_id,
        played.score_date,
        -- dimensions
        played.segment,
        -- score and tiers
        played.expansion_score,
        played.data_completeness,
        played.score_tier,
        played.expansion_tier,
        played.is_held_back_by_risk,
        played.is_held_back_by_data,
        played.health_score,
        played.health_final_tier,
        -- drivers
        played.driver_1,
        played.driver_2,
        played.driver_3,
        played.driver_1_text,
        played.driver_2_text,
        played.driver_3_text,
        played.driver_1_share,
        played.driver_2_share,
        played.driver_3_share,
        -- reason and play
        case
            when played.expansion_score is null
                then 'No expansion signal is available for this account.'
            when played.is_held_back_by_risk
                then
                    'Not ready while the account is ' || replace(played.health_final_tier, '_', ' ')
                    || ': its expansion score (' || {{ format_number('played.expansion_score', 0) }}
                    || ') would make it ready, but its health comes first. Signals: '
                    || played.signals
            when played.is_held_back_by_data
                then
                    'Watch: the expansion score ('
                    || {{ format_number('played.expansion_score', 0) }}
                    || ') would make it ready, but only '
                    || {{ format_number('100 * played.data_completeness', 0) }}
                    || '% of its weight had data. Signals: ' || played.signals
            when played.expansion_tier = 'ready' then 'Ready to expand: ' || played.signals
            when played.expansion_tier = 'watch' then 'Watch: ' || played.signals
            else 'Not ready yet. Strongest signals: ' || played.signals
        end as expansion_reason,
        played.driver_1 as main_driver,
        playbooks.playbook as expansion_play,
        playbooks.recommended_action as expansion_action,
        -- metadata
        played.weights_version,
        version.expansion_version
    from played
    left join playbooks
        on played.play_driver = playbooks.driver
    cross join version
)

select * from final
