-- A stable fingerprint of the scoring configuration (weights, factor catalogue, thresholds,
-- tiers), stamped on every score row: two scores with the same weights_version were computed
-- with the same rules. Peers across organisations (var cross_tenant_benchmarks) are another
-- rule: they add a row, so the default (peers within the organisation) keeps its fingerprint.

with

config_rows as (
    select
        'segment_weights' || '|' || segment || '|' || family || '|'
        || {{ format_number('weight', 6) }} as config_row
    from {{ ref('segment_weights') }}
    union all
    select
        'factor_catalogue' || '|' || factor_name || '|' || family || '|' || direction || '|'
        || normalisation || '|' || {{ format_number('factor_weight', 6) }} as config_row
    from {{ ref('factor_catalogue') }}
    union all
    select
        'factor_thresholds' || '|' || factor_name || '|' || segment || '|'
        || {{ format_number('bad_value', 6) }} || '|' || {{ format_number('ok_value', 6) }} || '|'
        || {{ format_number('good_value', 6) }} as config_row
    from {{ ref('factor_thresholds') }}
    union all
    select
        'score_tiers' || '|' || scale || '|' || label || '|' || coalesce(basis, 'score') || '|'
        || {{ format_number('min_score', 6) }} || '|' || {{ format_number('max_score', 6) }}
            as config_row
    from {{ ref('score_tiers') }}
    {%- if var('cross_tenant_benchmarks', false) %}
        union all
        select 'cross_tenant_benchmarks|true' as config_row
    {%- endif %}
),

final as (
    select
        substring({{ dbt.hash(dbt.listagg('config_row', "'\n'", 'order by config_row')) }}, 1, 12)
            as weights_version
    from config_rows
)

select * from final
