{#- The tenant part of a peer partition: `org_id,`, so that a percentile or a peer count
    compares an account with its own organisation's accounts only, or nothing when the var
    cross_tenant_benchmarks opts in to peers across every organisation of the warehouse.
    Ranks (priority_rank) do not use it: they are always per organisation. -#}
{% macro peer_org_partition() -%}
    {%- if not var('cross_tenant_benchmarks', false) %}org_id, {% endif -%}
{%- endmacro %}
