{#- An amount converted into the reporting currency (var('reporting_currency')).

    amount / units_per_usd(row currency) * units_per_usd(reporting currency), both rates taken
    on the row's date. Needs join_fx_rates(fx_rates, currency_column, date_column, fx_alias) in
    the same select. An amount already in the reporting currency is passed through unchanged. -#}
{% macro convert_currency(amount_column, currency_column, fx_alias='fx') -%}
    cast(
        case
            when {{ currency_column }} = '{{ var("reporting_currency") | upper }}'
                then {{ amount_column }}
            else {{ amount_column }}
                / {{ fx_alias }}_local.units_per_usd
                * {{ fx_alias }}_reporting.units_per_usd
        end
        as {{ dbt.type_numeric() }}
    )
{%- endmacro %}
