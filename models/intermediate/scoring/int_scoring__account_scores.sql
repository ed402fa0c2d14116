-- The full score of every account on every score date: health score and tiers, trend,
-- trend-adjusted risk, rule flags, usage anomaly, the top drivers with their values, a
-- plain-words explanation, the recommended playbook, a CSM override if one is active, and
-- the priority a CSM should give the account (ranked within its organisation). The history
-- and current marts read this.
{%- set delta_30_days = 30 if var('score_grain') == 'day' else 28 %}

with

scores as (
    select * from {{ ref('int_scoring__health_scores') }}
),

contributions as (
    select * from {{ ref('int_scoring__factor_contributions') }}
),

rule_flags as (
    select * from {{ ref('int_scoring__rule_flags') }}
),

catalogue as (
    select * from {{ ref('factor_catalogue') }}
),

playbooks as (
    select * from {{ ref('playbooks') }}
),

sentiment as (
    select * from {{ ref('stg_crm__sentiment') }}
    where not is_deleted and override_tier is not null
),

contracts as (
    select * from {{ ref('stg_crm__contracts') }}
    where not is_deleted
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
        contributions.points_lost / nullif(sum(contributions.points_lost) over (
            partition by contributions.account_id, contributions.score_date
        ), 0) as share_of_lost_points,
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

previous as (
    select
        scores.account_id,
        scores.score_date,
        prior_7.health_score as health_score_7d_ago,
        prior_14.health_score as health_score_14d_ago,
        prior_30.health_score as health_score_30d_ago
    from scores
    left join scores as prior_7
        on
            scores.account_id = prior_7.account_id
            and prior_7.score_date = cast({{ dbt.dateadd('day', -7, 'scores.score_date') }} as date)
    left join scores as prior_14
        on
            scores.account_id = prior_14.account_id
            and prior_14.score_date
            = cast({{ dbt.dateadd('day', -14, 'scores.score_date') }} as date)
    left join scores as prior_30
        on
            scores.account_id = prior_30.account_id
            and prior_30.score_date
            = cast({{ dbt.dateadd('day', -1 * delta_30_days, 'scores.score_date') }} as date)
),

overrides as (
    select
        scores.account_id,
        scores.score_date,
        sentiment.override_tier,
        sentiment.note as override_reason,
        sentiment.author as override_author,
        sentiment.override_expires_at,
        row_number() over (
            partition by scores.account_id, scores.score_date
            order by sentiment.recorded_at desc, sentiment.sentiment_id desc
        ) as recency_rank
    from scores
    inner join sentiment
        on
            scores.account_id = sentiment.account_id
            and cast(sentiment.recorded_at as date) <= scores.score_date
            and scores.score_date < sentiment.override_expires_at
),

renewals as (
    select
        scores.account_id,
        scores.score_date,
        sum(case
            when contracts.end_date >= scores.score_date then contracts.arr_reporting else 0
        end) as arr_reporting,
        min(case
            when contracts.renewal_date >= scores.score_date then contracts.renewal_date
        end) as next_renewal_date
    from scores
    inner join contracts
        on
            scores.account_id = contracts.account_id
            and scores.score_date >= contracts.start_date
    group by 1, 2
),

assembled as (
    select
        scores.*,
        previous.health_score_7d_ago,
        previous.health_score_14d_ago,
        previous.health_score_30d_ago,
        top_drivers.driver_1,
        top_drivers.driver_2,
        top_drivers.driver_3,
        top_drivers.driver_1_text,
        top_drivers.driver_2_text,
        top_drivers.driver_3_text,
        top_drivers.driver_1_share,
        top_drivers.driver_2_share,
        top_drivers.driver_3_share,
        rule_flags.is_champion_left,
        rule_flags.is_repeated_payment_failure,
        rule_flags.is_urgent_ticket_aging,
        rule_flags.is_downgrade_request,
        rule_flags.is_usage_anomaly,
        rule_flags.usage_anomaly_z,
        rule_flags.urgent_tickets_open_over_7d,
        overrides.override_tier,
        overrides.override_reason,
        overrides.override_author,
        overrides.override_expires_at,
        renewals.next_renewal_date,
        scores.health_score - previous.health_score_7d_ago as score_delta_7d,
        scores.health_score - previous.health_score_14d_ago as score_delta_14d,
        scores.health_score - previous.health_score_30d_ago as score_delta_30d,
        case when rule_flags.is_champion_left then 1 else 0 end
        + case when rule_flags.is_repeated_payment_failure then 1 else 0 end
        + case when rule_flags.is_urgent_ticket_aging then 1 else 0 end
        + case when rule_flags.is_downgrade_request then 1 else 0 end
        + case when rule_flags.is_usage_anomaly then 1 else 0 end as rule_flag_count,
        case
            when rule_flags.is_champion_left then 'champion_left'
            when rule_flags.is_repeated_payment_failure then 'repeated_payment_failure'
            when rule_flags.is_urgent_ticket_aging then 'urgent_ticket_aging'
            when rule_flags.is_downgrade_request then 'downgrade_request'
            when rule_flags.is_usage_anomaly then 'usage_anomaly'
        end as first_rule_flag,
        coalesce(renewals.arr_reporting, 0.0) as arr_reporting,
        {{ dbt.datediff('scores.score_date', 'renewals.next_renewal_date', 'day') }}
            as days_to_renewal
    from scores
    left join previous
        on
            scores.account_id = previous.account_id
            and scores.score_date = previous.score_date
    left join top_drivers
        on
            scores.account_id = top_drivers.account_id
            and scores.score_date = top_drivers.score_date
    left join rule_flags
        on
            scores.account_id = rule_flags.account_id
            and scores.score_date = rule_flags.score_date
    left join overrides
        on
            scores.account_id = overrides.account_id
            and scores.score_date = overrides.score_date
            and overrides.recency_rank = 1
    left join renewals
        on
            scores.account_id = renewals.account_id
            and scores.score_date = renewals.score_date
),

with_risk as (
    select
        *,
        case
            when score_delta_30d is null then 'stable'
            when score_delta_30d >= {{ var('trend_threshold_points') }} then 'improving'
            when score_delta_30d <= -1 * {{ var('trend_threshold_points') }} then 'declining'
            else 'stable'
        end as trend_direction,
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
    from assembled
),

explained as (
    select
        with_risk.*,
        case
            when with_risk.risk_unbounded < 0 then 0.0
            when with_risk.risk_unbounded > 100 then 100.0
            else {{ round_score('with_risk.risk_unbounded') }}
        end as trend_adjusted_risk,
        coalesce(with_risk.override_tier, with_risk.health_tier) as final_tier,
        with_risk.override_tier is not null as is_overridden,
        case
            when with_risk.health_score is null then 'No signals available for this account.'
            else
                coalesce(with_risk.driver_1_text, 'No factor below its best level')
                || coalesce('; ' || with_risk.driver_2_text, '')
                || coalesce('; ' || with_risk.driver_3_text, '')
        end as explanation,
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
    from explained
),

-- ranked within the organisation, always (cross_tenant_benchmarks does not apply): a
-- tenant's ranks run 1..n with no gap that would betray another tenant's accounts
final as (
    select
        *,
        row_number() over (
            partition by org_id, score_date
            order by priority_score desc, account_id asc
        ) as priority_rank
    from prioritized
)

select * from final
