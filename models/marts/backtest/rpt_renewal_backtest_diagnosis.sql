-- Does agreement matter? For every scored row of rpt_renewal_backtest (a renewal with a known
-- outcome, read N days before it), the diagnosis on that same history date
-- (int_diagnosis__agreement): each technique's verdict, how many flagged risk (at_risk or
-- critical), and the renewal's agreement group. `customer-health backtest` compares the churn
-- rate of the groups: techniques agreed on risk, several flagged it without a majority, only
-- one flagged it (and which), none did.

with

backtest as (
    select * from {{ ref('rpt_renewal_backtest') }}
    where has_score
),

agreement as (
    select * from {{ ref('int_diagnosis__agreement') }}
),

final as (
    select
        -- ids
        backtest.backtest_row_id,
        backtest.renewal_id,
        backtest.account_id,
        backtest.org_id,
        -- dimensions
        backtest.segment,
        backtest.renewal_outcome,
        backtest.is_lost,
        backtest.horizon_days,
        {%- for technique in diagnosis_techniques() %}
            agreement.{{ technique }}_verdict,
        {%- endfor %}
        agreement.diagnosis_verdict,
        agreement.diagnosis_confidence,
        case
            when agreement.techniques_flagging_risk = 0 then 'none'
            when agreement.techniques_flagging_risk = 1 then 'one'
            when 2 * agreement.techniques_flagging_risk >= agreement.techniques_with_verdict
                then 'agreed'
            else 'several'
        end as risk_agreement,
        case
            when agreement.techniques_flagging_risk = 1
                then case
                    {%- for technique in diagnosis_techniques(voting=true) %}
                        when agreement.{{ technique }}_verdict in ('at_risk', 'critical')
                            then '{{ technique }}'
                    {%- endfor %}
                end
        end as lone_flagging_technique,
        -- measures
        cast(agreement.techniques_with_verdict as integer) as techniques_with_verdict,
        cast(agreement.techniques_flagging_risk as integer) as techniques_flagging_risk,
        cast(agreement.diagnosis_agreement as integer) as diagnosis_agreement,
        -- dates
        backtest.renewal_date,
        backtest.score_date
    from backtest
    left join agreement
        on
            backtest.account_id = agreement.account_id
            and backtest.score_date = agreement.score_date
)

select * from final
