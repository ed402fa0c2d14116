-- A fingerprint of the expansion configuration (its factor catalogue, weights, thresholds and
-- tiers, and the vars that define an expansion and readiness), stamped on every expansion
-- score: two scores with the same expansion_version were computed with the same rules.

with

config_rows as (
    select
        'expansion_factor_catalogue' || '|' || factor_name || '|' || direction || '|'
        || normalisation || '|' || coalesce(source_factor, '') || '|' || evidence_factor
            as config_row
    from {{ ref('expansion_factor_catalogue') }}
    union all
    select
        'expansion_weights' || '|' || segment || '|' || factor_name || '|'
        || {{ format_number('weight', 6) }} as config_row
    from {{ ref('expansion_weights') }}
    union all
    select
        'expansion_thresholds' || '|' || factor_name || '|' || segment || '|'
        || {{ format_number('bad_value', 6) }} || '|' || {{ format_number('ok_value', 6) }} || '|'
        || {{ format_number('good_value', 6) }} as config_row
    from {{ ref('expansion_thresholds') }}
    union all
    select
        'expansion_tiers' || '|' || label || '|' || {{ format_number('min_score', 6) }} || '|'
        || {{ format_number('max_score', 6) }} as config_row
    from {{ ref('expansion_tiers') }}
    union all
    select
        'vars|{{ var("expansion_min_increase_share") }}|{{ var("expansion_merge_days") }}|'
        || '{{ var("expansion_min_completeness") }}' as config_row
),

final as (
    select
        substring({{ dbt.hash(dbt.listagg('config_row', "'\n'", 'order by config_row')) }}, 1, 12)
            as expansion_version
    from config_rows
)

select * from final
