-- The long form of every factor behind every current score: what was measured, its
-- sub-score, the weight it carried after redistribution, and the points it cost. Sum
-- points_lost over an account to get 100 - health_score.

with

contributions as (
    select * from {{ ref('int_scoring__factor_contributions') }}
),

current_accounts as (
    select
        account_id,
        score_date
    from {{ ref('mart_account_health') }}
),

catalogue as (
    select * from {{ ref('factor_catalogue') }}
),

final as (
    select
        -- ids
        {{ generate_surrogate_key(['contributions.account_id', 'contributions.factor_name']) }}
            as account_factor_id,
        contributions.account_id,
        contributions.org_id,
        -- factor
        contributions.family,
        contributions.factor_name,
        catalogue.description as factor_description,
        contributions.is_key,
        -- measures
        contributions.raw_value,
        contributions.unit,
        {{ format_factor_value('contributions.raw_value', 'contributions.unit') }} as value_text,
        {{ round_score('contributions.sub_score') }} as sub_score,
        contributions.factor_weight,
        {{ round_score('contributions.effective_weight') }} as effective_weight,
        {{ round_score('contributions.points_lost') }} as points_lost,
        contributions.sub_score is not null as has_data,
        -- dates
        contributions.score_date
    from contributions
    inner join current_accounts
        on
            contributions.account_id = current_accounts.account_id
            and contributions.score_date = current_accounts.score_date
    inner join catalogue
        on contributions.factor_name = catalogue.factor_name
)

select * from final
