-- The book of accounts at a glance, for CS managers and leaders: by segment, industry,
-- region and CSM (and the whole book), per tenant: account count, average health, the share
-- and ARR at risk (final tier at_risk or critical, CSM overrides included), and the spread
-- across risk levels, and the open recovery cases (mart_recovery_cases): per CSM, the cases
-- each one is working.

with

accounts as (
    select * from {{ ref('mart_account_health') }}
),

-- an account has at most one open case
open_cases as (
    select
        account_id,
        cast(count(*) as bigint) as open_case_count
    from {{ ref('mart_recovery_cases') }}
    where case_status = 'open'
    group by 1
),

cased as (
    select
        accounts.*,
        coalesce(open_cases.open_case_count, 0) as open_case_count
    from accounts
    left join open_cases
        on accounts.account_id = open_cases.account_id
),

dimensioned as (
    {%- for dimension in ['all', 'segment', 'industry', 'region', 'owner_csm'] %}
        select
            org_id,
            '{{ dimension }}' as dimension_name,
            {% if dimension == 'all' -%}
                'all accounts'
            {%- else -%}
                coalesce({{ dimension }}, 'unknown')
            {%- endif %} as dimension_value,
            account_id,
            health_score,
            final_tier,
            risk_level,
            trend_direction,
            arr_reporting,
            open_case_count,
            score_date
        from cased
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (
    select
        -- grain
        org_id,
        dimension_name,
        dimension_value,
        -- measures
        cast(count(*) as bigint) as account_count,
        {{ round_score('avg(health_score)') }} as avg_health_score,
        {{ round_score(
            "1.0 * sum(case when final_tier in ('at_risk', 'critical') then 1 else 0 end) / count(*)"
        ) }} as share_at_risk,
        {{ round_score('sum(arr_reporting)') }} as arr_total,
        {{ round_score(
            "sum(case when final_tier in ('at_risk', 'critical') then arr_reporting else 0 end)"
        ) }} as arr_at_risk,
        cast(sum(case when risk_level = 'low' then 1 else 0 end) as bigint) as accounts_risk_low,
        cast(sum(case when risk_level = 'medium' then 1 else 0 end) as bigint)
            as accounts_risk_medium,
        cast(sum(case when risk_level = 'high' then 1 else 0 end) as bigint) as accounts_risk_high,
        cast(sum(case when risk_level = 'critical' then 1 else 0 end) as bigint)
            as accounts_risk_critical,
        cast(sum(case when trend_direction = 'declining' then 1 else 0 end) as bigint)
            as accounts_declining,
        cast(sum(open_case_count) as bigint) as open_case_count,
        {{ round_score(
            'sum(case when open_case_count > 0 then arr_reporting else 0 end)'
        ) }} as arr_in_open_cases,
        -- dates
        max(score_date) as score_date
    from dimensioned
    group by 1, 2, 3
)

select * from final
