{#- The var as_of_date as a SQL date literal, or none when it is unset (then the latest date
    in the data is used, see int_scoring__score_dates). -#}
{% macro as_of_date_literal() -%}
    {%- set value = var('as_of_date', none) -%}
    {%- if value is none or value == '' or value == 'null' -%}
        {{ return(none) }}
    {%- else -%}
        {{ return("cast('" ~ value ~ "' as date)") }}
    {%- endif -%}
{%- endmacro %}
