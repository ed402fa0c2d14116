-- The diagnosis of every live account today: one row per account of mart_account_health, with
-- the verdict of each of the six techniques (scorecard, trend, anomaly, cohort, rule flags,
-- churn probability) on one scale and its reason with values, the verdict they reach together,
-- how many agree with it and which dissent, and how far to trust it (diagnosis_confidence).
-- When they agree the diagnosis is firm; when they disagree (is_disagreement), that is itself
-- what a CSM should look at: mart_diagnosis_disagreements lists those accounts first.

with

accounts as (
    select * from {{ ref('mart_account_health') }}
),

agreement as (
    select * from {{ ref('int_diagnosis__agreement') }}
),

final as (
    select
        -- ids
        accounts.account_id,
        accounts.org_id,
        -- dimensions
        accounts.account_name,
        accounts.segment,
        accounts.industry,
        accounts.owner_csm,
        -- money
        accounts.arr_reporting,
        accounts.reporting_currency,
        -- the score
        accounts.health_score,
        accounts.health_tier,
        accounts.final_tier,
        accounts.data_completeness,
        -- the diagnosis
        agreement.diagnosis_verdict,
        agreement.diagnosis_confidence,
        cast(agreement.techniques_with_verdict as integer) as techniques_with_verdict,
        cast(agreement.diagnosis_agreement as integer) as diagnosis_agreement,
        cast(agreement.techniques_dissenting as integer) as techniques_dissenting,
        cast(agreement.techniques_flagging_risk as integer) as techniques_flagging_risk,
        agreement.agreement_share,
        cast(agreement.verdict_spread as integer) as verdict_spread,
        agreement.dissenting_techniques,
        agreement.is_scorecard_dissenting,
        agreement.is_disagreement,
        agreement.disagreement_score,
        agreement.disagreement_kind,
        agreement.disagreement_summary,
        -- each technique's verdict and reason
        {%- for technique in diagnosis_techniques() %}
            agreement.{{ technique }}_verdict,
            agreement.{{ technique }}_reason,
        {%- endfor %}
        -- priority
        accounts.priority_score,
        accounts.priority_rank,
        -- metadata
        accounts.weights_version,
        accounts.score_date
    from accounts
    left join agreement
        on
            accounts.account_id = agreement.account_id
            and accounts.score_date = agreement.score_date
)

select * from final
