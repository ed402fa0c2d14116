-- Expansion readiness of every live account today, next to its risk: one row per account of
-- mart_account_health, on the same date. The expansion score (0-100) and tier (none / watch /
-- ready; never ready while the account is at risk or critical), the top drivers with their
-- values, the reason in plain words and the expansion play, the last expansion, and the order
-- an account manager works in (expansion_rank, per organisation: ready first, then by
-- expansion_priority, the score weighted by the ARR at stake).

with

scores as (
    select * from {{ ref('int_expansion__scores') }}
),

current_date_row as (
    select max(score_date) as score_date from {{ ref('mart_account_health') }}
),

health as (
    select * from {{ ref('mart_account_health') }}
),

factor_scores as (
    select * from {{ ref('int_expansion__factor_scores') }}
),

expansions as (
    select * from {{ ref('int_expansion__expansions') }}
),

tiers as (
    select * from {{ ref('expansion_tiers') }}
),

current_scores as (
    select scores.*
    from scores
    inner join current_date_row
        on scores.score_date = current_date_row.score_date
),

last_expansions as (
    select
        current_scores.account_id,
        max(expansions.expansion_date) as last_expansion_date
    from current_scores
    inner join expansions
        on
            current_scores.account_id = expansions.account_id
            and expansions.expansion_date <= current_scores.score_date
    group by 1
),

-- the measures an account manager asks about first, as measured (null when missing)
measures as (
    select
        factor_scores.account_id,
        max(case
            when factor_scores.factor_name = 'expansion_seat_utilisation_28d'
                then factor_scores.raw_value
        end) as seat_utilisation,
        max(case
            when factor_scores.factor_name = 'expansion_new_users_28d'
                then factor_scores.raw_value
        end) as new_user_share,
        max(case
            when factor_scores.factor_name = 'expansion_days_since_last_expansion'
                then factor_scores.raw_value
        end) as days_since_last_expansion
    from factor_scores
    inner join current_date_row
        on factor_scores.score_date = current_date_row.score_date
    group by 1
),

joined as (
    select
        current_scores.*,
        health.account_name,
        health.owner_csm,
        health.arr_reporting,
        health.reporting_currency,
        measures.seat_utilisation,
        measures.new_user_share,
        measures.days_since_last_expansion,
        last_expansions.last_expansion_date,
        tiers.sort_order as tier_order,
        -- the score, scaled up by the ARR at stake (logarithmically, as the health priority)
        {{ round_score(
            'current_scores.expansion_score * (1.0 + ln(1.0 + coalesce(health.arr_reporting, 0)'
            ~ ' / 10000))'
        ) }} as expansion_priority
    from current_scores
    inner join health
        on current_scores.account_id = health.account_id
    left join measures
        on current_scores.account_id = measures.account_id
    left join last_expansions
        on current_scores.account_id = last_expansions.account_id
    left join tiers
        on current_scores.expansion_tier = tiers.label
),

final as (
    select
        -- ids
        account_id,
        org_id,
        -- dimensions
        account_name,
        segment,
        owner_csm,
        -- money
        cast(arr_reporting as {{ type_double() }}) as arr_reporting,
        reporting_currency,
        -- expansion score and tier
        expansion_score,
        data_completeness as expansion_data_completeness,
        expansion_tier,
        score_tier as expansion_score_tier,
        is_held_back_by_risk,
        is_held_back_by_data,
        -- health next to it
        health_score,
        health_final_tier,
        -- what the account manager sees
        {{ round_score('seat_utilisation') }} as seat_utilisation,
        {{ round_score('new_user_share') }} as new_user_share,
        cast(days_since_last_expansion as integer) as days_since_last_expansion,
        last_expansion_date,
        -- explanation and play
        coalesce(
            driver_1_text || ' (' || {{ format_number('100 * driver_1_share', 0) }}
            || '% of the score)', ''
        )
        || coalesce(
            '; ' || driver_2_text || ' (' || {{ format_number('100 * driver_2_share', 0) }}
            || '% of the score)', ''
        )
        || coalesce(
            '; ' || driver_3_text || ' (' || {{ format_number('100 * driver_3_share', 0) }}
            || '% of the score)', ''
        ) as top_expansion_drivers,
        main_driver as main_expansion_driver,
        expansion_reason,
        expansion_play,
        expansion_action,
        -- priority
        expansion_priority,
        cast(row_number() over (
            partition by org_id
            order by
                coalesce(tier_order, 0) desc,
                coalesce(expansion_priority, -1) desc,
                account_id asc
        ) as bigint) as expansion_rank,
        -- metadata
        expansion_version,
        score_date
    from joined
)

select * from final
