{#- Use a model's custom schema as is (staging, intermediate, marts, config) rather than
    prefixing it with the target schema, so BI tools find `marts.mart_account_health` on
    every target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
