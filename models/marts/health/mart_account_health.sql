-- The current health of every live account: one row per account as of as_of_date, with its
-- family scores, weighted health score, tier and a plain-words explanation. BI tools and the
-- CLI read this table.

with

scores as (
    select * from {{ ref('int_scoring__health_scores') }}
    where score_date = (select max(score_date) from {{ ref('int_scoring__score_dates') }})
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

catalogue as (
    select * from {{ ref('factor_catalogue') }}
),

contracts as (
    select * from {{ ref('stg_crm__contracts') }}
    where not is_deleted
),

current_arr as (
    select
        scores.account_id,
        sum(contracts.arr_reporting) as arr_reporting
    from scores
    inner join contracts
        on
            scores.account_id = contracts.account_id
            and contracts.start_date <= scores.score_date
            and contracts.end_date >= scores.score_date
    group by 1
),

final as (
    select
        -- ids
        scores.account_id,
        scores.org_id,
        -- dimensions
        accounts.account_name,
        scores.segment,
        accounts.industry,
        accounts.region,
        accounts.owner_csm,
        -- measures
        coalesce(current_arr.arr_reporting, 0.0) as arr_reporting,
        '{{ var("reporting_currency") }}' as reporting_currency,
        {{ round_score('scores.usage_score') }} as usage_score,
        {{ round_score('scores.support_score') }} as support_score,
        {{ round_score('scores.relationship_score') }} as relationship_score,
        {{ round_score('scores.finance_score') }} as finance_score,
        scores.health_score,
        {{ round_score('scores.data_completeness') }} as data_completeness,
        -- classification
        scores.health_tier,
        scores.risk_level,
        scores.weakest_family,
        scores.weakest_factor,
        case
            when scores.weakest_family is null then 'No signals available for this account.'
            else
                'Weakest: ' || scores.weakest_family || ' ('
                || {{ format_number('scores.weakest_family_score', 0) }} || '/100), driven by '
                || lower(catalogue.description) || ': '
                || {{ format_factor_value('scores.weakest_factor_value', 'scores.weakest_factor_unit') }}
        end as explanation,
        -- metadata
        scores.weights_version,
        -- dates
        scores.score_date as as_of_date
    from scores
    inner join accounts
        on scores.account_id = accounts.account_id
    left join current_arr
        on scores.account_id = current_arr.account_id
    left join catalogue
        on scores.weakest_factor = catalogue.factor_name
)

select * from final
