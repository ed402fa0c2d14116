{#- The joins convert_currency needs: the rate of the row's currency and the rate of the
    reporting currency (var('reporting_currency')), both valid on the row's date.

    Place it after the `from` of the select that calls convert_currency with the same
    `fx_alias`. Left joins: a row whose currency or date has no rate keeps a null converted
    amount rather than disappearing. Rates come from seed fx_rates, whose validity ranges are
    inclusive: valid_from <= date <= valid_to. The model passes the rates in (`fx_rates`: a CTE
    over its own ref('fx_rates')), so its ref()s stay in its own file. -#}
{% macro join_fx_rates(fx_rates, currency_column, date_column, fx_alias='fx') -%}
    left join {{ fx_rates }} as {{ fx_alias }}_local
        on {{ currency_column }} = {{ fx_alias }}_local.currency_code
        and {{ date_column }} >= {{ fx_alias }}_local.valid_from
        and {{ date_column }} <= {{ fx_alias }}_local.valid_to
    left join {{ fx_rates }} as {{ fx_alias }}_reporting
        on {{ fx_alias }}_reporting.currency_code = '{{ var("reporting_currency") | upper }}'
        and {{ date_column }} >= {{ fx_alias }}_reporting.valid_from
        and {{ date_column }} <= {{ fx_alias }}_reporting.valid_to
{%- endmacro %}
