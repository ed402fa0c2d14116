{#- What a tier's cut-offs are compared with (seeds/score_tiers.csv, column basis): the
    rounded health score, or the account's percentile in its segment on the date
    (int_scoring__health_scores). Expects the columns percentiles.health_score_raw and
    percentiles.segment_percentile in scope. -#}
{% macro tier_measure(tiers_alias) -%}
    case
        when {{ tiers_alias }}.basis = 'segment_percentile'
            then percentiles.segment_percentile
        else {{ round_score("percentiles.health_score_raw") }}
    end
{%- endmacro %}
