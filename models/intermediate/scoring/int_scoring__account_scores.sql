-- The full score of every account on every score date, put together from its parts: the health
-- score and tiers (int_scoring__health_scores), the trend (int_scoring__score_trend), the top
-- drivers and the explanation (int_scoring__score_drivers), the rule flags
-- (int_scoring__rule_flags), any active CSM override (int_scoring__score_overrides), and the
-- ARR and next renewal (int_scoring__renewal_arr). What needs several of them is computed here:
-- the trend-adjusted risk, the recommended playbook, and the priority a CSM should give the
-- account (ranked within its organisation). The history and current marts read this.
-- Incremental on score_date (scoring_dates_to_build, with the health scores' accounts and
-- dates), with the same dates as int_scoring__score_trend, whose columns it carries; the
-- priority ranks the accounts of one date, so a date is recomputed whole.
-- depends_on: {{ ref('int_scoring__weights_version') }}
{%- set delta_30_days = 30 if var('score_grain') == 'day' else 28 %}
{{ config(**incremental_on_score_date('int_scoring__health_scores')) }}

with

{%- if is_incremental() %}

{{ scoring_dates_to_build(
    ref('int_scoring__health_scores'), shift_days=[7, 14, delta_30_days]
) }},
{%- endif %}

scores as (
    select * from {{ ref('int_scoring__health_scores') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

trend as (
    select * from {{ ref('int_scoring__score_trend') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

drivers as (
    select * from {{ ref('int_scoring__score_drivers') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

rule_flags as (
    select * from {{ ref('int_scoring__rule_flags') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

overrides as (
    select * from {{ ref('int_scoring__score_overrides') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

renewals as (
    select * from {{ ref('int_scoring__renewal_arr') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

playbooks as (
    select * from {{ ref('playbooks') }}
),

joined as (
    select
        -- ids
        scores.account_id,
        scores.org_id,
        scores.score_date,
        -- health score and tiers
        scores.segment,
        scores.usage_score,
        scores.support_score,
        scores.relationship_score,
        scores.finance_score,
        scores.health_score,
        scores.data_completeness,
        scores.segment_percentile,
        scores.health_tier,
        scores.risk_level,
        scores.weakest_family,
        scores.weakest_family_score,
        scores.weakest_factor,
        scores.weakest_factor_value,
        scores.weakest_factor_unit,
        scores.weakest_factor_score,
        scores.weights_version,
        -- trend
        trend.health_score_7d_ago,
        trend.health_score_14d_ago,
        trend.health_score_30d_ago,
        trend.score_delta_7d,
        trend.score_delta_14d,
        trend.score_delta_30d,
        trend.trend_direction,
        -- drivers
        drivers.driver_1,
        drivers.driver_2,
        drivers.driver_3,
        drivers.driver_1_text,
        drivers.driver_2_text,
        drivers.driver_3_text,
        drivers.driver_1_share,
        drivers.driver_2_share,
        drivers.driver_3_share,
        drivers.explanation,
        -- rule flags
        rule_flags.is_champion_left,
        rule_flags.is_repeated_payment_failure,
        rule_flags.is_urgent_ticket_aging,
        rule_flags.is_downgrade_request,
        rule_flags.is_usage_anomaly,
        rule_flags.usage_anomaly_z,
        rule_flags.urgent_tickets_open_over_7d,
        coalesce(rule_flags.rule_flag_count, 0) as rule_flag_count,
        rule_flags.first_rule_flag,
        -- override
        overrides.override_tier,
        overrides.override_reason,
        overrides.override_author,
        overrides.override_expires_at,
        overrides.final_tier,
        overrides.is_overridden,
        -- ARR and renewal
        renewals.next_renewal_date,
        coalesce(renewals.arr_reporting, 0.0) as arr_reporting,
        renewals.days_to_renewal
    from scores
    left join trend
        on
            scores.account_id = trend.account_id
            and scores.score_date = trend.score_date
    left join drivers
        on
            scores.account_id = drivers.account_id
            and scores.score_date = drivers.score_date
    left join rule_flags
        on
            scores.account_id = rule_flags.account_id
            and scores.score_date = rule_flags.score_date
    left join overrides
        on
            scores.account_id = overrides.account_id
            and scores.score_date = overrides.score_date
    left join renewals
        on
            scores.account_id = renewals.account_id
            and scores.score_date = renewals.score_date
),

with_risk as (
    select
        *,
        -- risk = distance from a perfect score, pushed up by a recent decline (weighted more)
        -- and down by a recent improvement (weighted less), plus points per rule flag
        100.0 - health_score
        + case
            when coalesce(score_delta_30d, 0) < 0
                then -1 * {{ var('trend_risk_weight_decline') }} * score_delta_30d
            else -1 * {{ var('trend_risk_weight_improve') }} * coalesce(score_delta_30d, 0)
        end
        + {{ var('rule_flag_risk_points') }}
        * case when rule_flag_count > 2 then 2 else rule_flag_count end as risk_unbounded,
        coalesce(first_rule_flag, driver_1) as main_driver
    from joined
),

recommended as (
    select
        with_risk.*,
        case
            when with_risk.risk_unbounded < 0 then 0.0
            when with_risk.risk_unbounded > 100 then 100.0
            else {{ round_score('with_risk.risk_unbounded') }}
        end as trend_adjusted_risk,
        case
            when
                with_risk.first_rule_flag is null and with_risk.health_tier = 'healthy'
                and with_risk.trend_direction <> 'declining'
                then 'nurture'
            else coalesce(rule_playbooks.playbook, factor_playbooks.playbook, 'nurture')
        end as playbook,
        case
            when
                with_risk.first_rule_flag is null and with_risk.health_tier = 'healthy'
                and with_risk.trend_direction <> 'declining'
                then default_playbook.recommended_action
            else coalesce(
                rule_playbooks.recommended_action,
                factor_playbooks.recommended_action,
                default_playbook.recommended_action
            )
        end as recommended_action
    from with_risk
    left join playbooks as rule_playbooks
        on with_risk.first_rule_flag = rule_playbooks.driver
    left join playbooks as factor_playbooks
        on with_risk.driver_1 = factor_playbooks.driver
    left join playbooks as default_playbook
        on default_playbook.driver_type = 'default'
),

prioritized as (
    select
        *,
        -- priority: trend-adjusted risk, scaled up by the ARR at stake (logarithmically, so a
        -- large account does not drown everything else) and by a renewal inside the window
        -- (up to twice as urgent on the renewal date)
        {{ round_score(
            "trend_adjusted_risk * (1.0 + ln(1.0 + cast(arr_reporting as " ~ type_double()
            ~ ") / 10000))"
            ~ " * (1.0 + case when days_to_renewal is not null and days_to_renewal < "
            ~ var('renewal_window_days') ~ " then cast(" ~ var('renewal_window_days')
            ~ " - days_to_renewal as " ~ type_double() ~ ") / " ~ var('renewal_window_days')
            ~ " else 0.0 end)"
        ) }} as priority_score
    from recommended
),

-- ranked within the organisation, always (cross_tenant_benchmarks does not apply): a
-- tenant's ranks run 1..n with no gap that would betray another tenant's accounts
final as (
    select
        -- ids
        account_id,
        org_id,
        score_date,
        -- health score and tiers
        segment,
        usage_score,
        support_score,
        relationship_score,
        finance_score,
        health_score,
        data_completeness,
        segment_percentile,
        health_tier,
        risk_level,
        weakest_family,
        weakest_family_score,
        weakest_factor,
        weakest_factor_value,
        weakest_factor_unit,
        weakest_factor_score,
        weights_version,
        -- trend
        health_score_7d_ago,
        health_score_14d_ago,
        health_score_30d_ago,
        score_delta_7d,
        score_delta_14d,
        score_delta_30d,
        trend_direction,
        -- drivers
        driver_1,
        driver_2,
        driver_3,
        driver_1_text,
        driver_2_text,
        driver_3_text,
        driver_1_share,
        driver_2_share,
        driver_3_share,
        explanation,
        -- rule flags
        is_champion_left,
        is_repeated_payment_failure,
        is_urgent_ticket_aging,
        is_downgrade_request,
        is_usage_anomaly,
        usage_anomaly_z,
        urgent_tickets_open_over_7d,
        rule_flag_count,
        first_rule_flag,
        -- override
        override_tier,
        override_reason,
        override_author,
        override_expires_at,
        final_tier,
        is_overridden,
        -- ARR and renewal
        arr_reporting,
        next_renewal_date,
        days_to_renewal,
        -- risk and recommendation
        risk_unbounded,
        trend_adjusted_risk,
        main_driver,
        playbook,
        recommended_action,
        -- priority
        priority_score,
        row_number() over (
            partition by org_id, score_date
            order by priority_score desc, account_id asc
        ) as priority_rank
    from prioritized
)

select * from final
