-- The techniques' verdicts compared, per account and score date. A no_verdict counts neither
-- as agreement nor as dissent: only the techniques with a verdict vote, and only those of var
-- diagnosis_voting_techniques (default: all six).
-- * diagnosis_verdict: the riskiest level that at least half of the techniques with a verdict
--   reach (the upper median of their verdicts): two critical and two healthy give critical,
--   one critical and three healthy give healthy.
-- * Agreement is on the side of the scale: at_risk and critical flag risk, healthy and watch
--   do not. A technique agrees when it is on the side of diagnosis_verdict, and dissents
--   otherwise; diagnosis_agreement counts the agreeing ones, dissenting_techniques names the
--   others with their verdicts.
-- * diagnosis_confidence: low when fewer than diagnosis_confidence_min_techniques have a
--   verdict, or fewer than diagnosis_confidence_low_share of them agree, or data_completeness
--   is below diagnosis_confidence_low_completeness; high when at least
--   diagnosis_confidence_high_techniques have a verdict, at least
--   diagnosis_confidence_high_share of them agree, data_completeness reaches
--   diagnosis_confidence_high_completeness and the techniques do not really disagree
--   (is_disagreement); medium otherwise.
-- * is_disagreement: the techniques contradict the score a CSM works from: the score flags
--   risk that most techniques do not confirm (the diagnosis_verdict does not flag risk), or
--   it does not flag risk that two or more techniques, or one at critical, see. A split in
--   which the score sides with the diagnosis_verdict lowers the confidence instead. Without a
--   score: two or more techniques dissent across at least two levels. disagreement_score,
--   the standard deviation of the verdicts' levels (0 = one level for all; 1.5 = half
--   healthy, half critical), says how much they disagree.
-- * disagreement_kind: hidden_risk when the score does not flag risk but other techniques do
--   (the score alone would mislead), unconfirmed_risk when the score flags risk that others
--   do not (often a chronic low: trend and anomaly judge change, and see none), no_score.
-- * disagreement_summary: the scorecard's verdict, then the reasons of the techniques on the
--   other side of it ("The score says healthy (...), but anomaly: activity 3.1 sd below ...").
{%- set techniques = diagnosis_techniques() %}
{%- set voting = diagnosis_techniques(voting=true) %}

with

verdicts as (
    select * from {{ ref('int_diagnosis__technique_verdicts') }}
),

-- a technique left out of var diagnosis_voting_techniques keeps its verdict but has no level
levels as (
    select
        *,
        {%- for technique in techniques %}
            {%- if technique in voting %}
                {{ diagnosis_level(technique ~ '_verdict') }} as {{ technique }}_level
            {%- else %}
                cast(null as integer) as {{ technique }}_level
            {%- endif %}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from verdicts
),

counted as (
    select
        *,
        {{ diagnosis_count('{t}_level is not null') }} as techniques_with_verdict,
        {{ diagnosis_count('{t}_level >= 1') }} as techniques_at_watch,
        {{ diagnosis_count('{t}_level >= 2') }} as techniques_flagging_risk,
        {{ diagnosis_count('{t}_level >= 3') }} as techniques_at_critical,
        greatest(
            {%- for technique in techniques %}
                coalesce({{ technique }}_level, -1){% if not loop.last %},{% endif %}
            {%- endfor %}
        ) as max_level,
        least(
            {%- for technique in techniques %}
                coalesce({{ technique }}_level, 9){% if not loop.last %},{% endif %}
            {%- endfor %}
        ) as min_level,
        {%- for power in [1, 2] %}
            (
                {%- for technique in techniques %}
                    coalesce(
                        {{ technique }}_level{{ ' * ' ~ technique ~ '_level' if power == 2 }}, 0
                    )
                    {%- if not loop.last %} +{% endif %}
                {%- endfor %}
            ) as level_sum{{ '_of_squares' if power == 2 }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from levels
),

-- decided and sided are computed once on Postgres too: inlined, every reference below to a
-- level, a count or final_level would repeat the expressions it names, row by row
-- (macros/utils/materialized_cte.sql: 100,000 rows took 339 s inlined, 1.8 s so)
decided as {{ materialized_cte() }} (
    select
        *,
        case
            when techniques_with_verdict = 0 then null
            when 2 * techniques_at_critical >= techniques_with_verdict then 3
            when 2 * techniques_flagging_risk >= techniques_with_verdict then 2
            when 2 * techniques_at_watch >= techniques_with_verdict then 1
            else 0
        end as final_level
    from counted
),

sided as {{ materialized_cte() }} (
    select
        *,
        {%- for technique in techniques %}
            case
                when {{ technique }}_level is null then null
                when ({{ technique }}_level >= 2) = (final_level >= 2) then 1
                else 0
            end as {{ technique }}_agrees
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from decided
),

agreed as (
    select
        *,
        {{ diagnosis_count('{t}_agrees = 1') }} as diagnosis_agreement,
        {{ diagnosis_count('{t}_agrees = 0') }} as techniques_dissenting,
        -- "anomaly (critical), cohort (at_risk), "
        {%- for technique in techniques %}
            case
                when {{ technique }}_agrees = 0
                    then '{{ technique }} (' || {{ technique }}_verdict || '), '
                else ''
            end
            {%- if not loop.last %} ||{% endif %}
        {%- endfor %} as dissenting_listed,
        -- the dissenters' reasons, and those of the techniques on the other side of the
        -- scorecard
        {%- for technique in techniques %}
            case
                when {{ technique }}_agrees = 0
                    then '{{ technique }}: ' || {{ technique }}_reason || '; '
                else ''
            end
            {%- if not loop.last %} ||{% endif %}
        {%- endfor %} as dissent_reasons_listed,
        {%- for technique in techniques if technique != 'scorecard' %}
            case
                when
                    {{ technique }}_level is not null
                    and ({{ technique }}_level >= 2) <> (scorecard_level >= 2)
                    then '{{ technique }}: ' || {{ technique }}_reason || '; '
                else ''
            end
            {%- if not loop.last %} ||{% endif %}
        {%- endfor %} as other_side_listed
    from sided
),

-- a disagreement worth a CSM's look is one with the score they work from: the score flags
-- risk that most techniques do not confirm, or it does not flag risk that two or more
-- techniques, or one at critical, see; without a score, two or more dissent across at least
-- two levels
judged as (
    select
        *,
        case
            when scorecard_level is null
                then techniques_dissenting >= 2 and max_level - min_level >= 2
            when scorecard_level >= 2 then final_level < 2
            else techniques_flagging_risk >= 2 or techniques_at_critical >= 1
        end as is_disagreement,
        case
            when techniques_with_verdict > 0
                -- n * sum of squares - sum^2 is a whole number, never below 0
                then sqrt(cast(
                    techniques_with_verdict * level_sum_of_squares - level_sum * level_sum
                    as {{ type_double() }}
                )) / techniques_with_verdict
        end as level_sd
    from agreed
),

final as (
    select
        -- ids
        account_id,
        org_id,
        score_date,
        -- dimensions
        segment,
        -- verdicts and reasons
        {%- for technique in techniques %}
            {{ technique }}_verdict,
            {{ technique }}_reason,
        {%- endfor %}
        -- agreement
        case final_level
            when 0 then 'healthy'
            when 1 then 'watch'
            when 2 then 'at_risk'
            when 3 then 'critical'
            else 'no_verdict'
        end as diagnosis_verdict,
        techniques_with_verdict,
        techniques_flagging_risk,
        diagnosis_agreement,
        techniques_dissenting,
        case
            when dissenting_listed <> ''
                then substring(dissenting_listed, 1, {{ dbt.length('dissenting_listed') }} - 2)
        end as dissenting_techniques,
        case
            when techniques_with_verdict > 0
                then {{ round_score(
                    'cast(diagnosis_agreement as ' ~ type_double() ~ ') / techniques_with_verdict'
                ) }}
        end as agreement_share,
        case when techniques_with_verdict > 0 then max_level - min_level end as verdict_spread,
        coalesce(scorecard_agrees = 0, false) as is_scorecard_dissenting,
        {{ round_score('level_sd') }} as disagreement_score,
        case
            when
                techniques_with_verdict < {{ var('diagnosis_confidence_min_techniques') }}
                or diagnosis_agreement
                < {{ var('diagnosis_confidence_low_share') }} * techniques_with_verdict
                or coalesce(data_completeness, 0)
                < {{ var('diagnosis_confidence_low_completeness') }}
                then 'low'
            when
                techniques_with_verdict >= {{ var('diagnosis_confidence_high_techniques') }}
                and diagnosis_agreement
                >= {{ var('diagnosis_confidence_high_share') }} * techniques_with_verdict
                and data_completeness >= {{ var('diagnosis_confidence_high_completeness') }}
                and not is_disagreement
                then 'high'
            else 'medium'
        end as diagnosis_confidence,
        is_disagreement,
        case
            when techniques_dissenting = 0 then null
            when scorecard_level is null then 'no_score'
            when scorecard_level >= 2 then 'unconfirmed_risk'
            else 'hidden_risk'
        end as disagreement_kind,
        case
            when techniques_dissenting = 0 then null
            when scorecard_level is not null and other_side_listed <> ''
                then
                    'The score says ' || scorecard_verdict || ' (' || scorecard_reason
                    || '), but '
                    || substring(other_side_listed, 1, {{ dbt.length('other_side_listed') }} - 2)
            else
                'The techniques disagree: '
                || substring(
                    dissent_reasons_listed, 1, {{ dbt.length('dissent_reasons_listed') }} - 2
                )
        end as disagreement_summary,
        -- measures
        health_score,
        data_completeness
    from judged
)

select * from final
