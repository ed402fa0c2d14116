-- The live accounts whose techniques disagree (is_disagreement in mart_account_diagnosis),
-- ranked per organisation: first the risk the score misses (disagreement_kind hidden_risk:
-- the score says healthy or watch while other techniques flag risk, so a CSM working from
-- the score would not look), then the highest disagreement_score (the standard deviation of
-- the verdicts' levels: verdicts far apart and evenly split), then the account's priority.
-- Each row says what every technique concluded and why, and the disagreement in one sentence.

with

diagnosis as (
    select * from {{ ref('mart_account_diagnosis') }}
    where is_disagreement
),

final as (
    select
        -- ids
        account_id,
        org_id,
        -- dimensions
        account_name,
        segment,
        industry,
        owner_csm,
        -- money
        arr_reporting,
        reporting_currency,
        -- the score
        health_score,
        final_tier,
        -- the disagreement
        cast(row_number() over (
            partition by org_id
            order by
                case when disagreement_kind = 'hidden_risk' then 0 else 1 end,
                disagreement_score desc, priority_score desc, account_id asc
        ) as bigint) as disagreement_rank,
        disagreement_summary,
        disagreement_kind,
        disagreement_score,
        diagnosis_verdict,
        diagnosis_confidence,
        techniques_with_verdict,
        diagnosis_agreement,
        techniques_dissenting,
        verdict_spread,
        dissenting_techniques,
        is_scorecard_dissenting,
        -- each technique's verdict and reason
        {%- for technique in diagnosis_techniques() %}
            {{ technique }}_verdict,
            {{ technique }}_reason,
        {%- endfor %}
        -- priority
        priority_score,
        priority_rank,
        -- metadata
        score_date
    from diagnosis
)

select * from final
