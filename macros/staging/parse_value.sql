{#- Typed values from raw columns that may have been landed as text.

    `text_columns_of(relation)` lists the columns of a relation whose type is a string, read
    from the warehouse when the model compiles. `parse_value(column, kind, text_columns)` then
    casts a typed column as usual, and reads a text column with a cast that gives null instead
    of an error when the text is not a number or date (`kind`: numeric, integer, date or
    timestamp). `is_unparseable(...)` is true when a text value is filled in but does not parse,
    which the base models quarantine as unparseable_number or unparseable_date: one bad value
    never crashes the build, and a typed source pays nothing for the check. -#}
{% macro text_columns_of(relation) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set names = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {#- Spark's string columns are `string`, which dbt's is_string() does not know -#}
        {%- if column.is_string() or column.dtype | lower == 'string' -%}
            {%- do names.append(column.name | lower) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{% macro parse_value(column, kind, text_columns) -%}
    {%- if column | lower in text_columns -%}
        {{ adapter.dispatch('try_cast_text', 'customer_health')('trim(' ~ column ~ ')', kind) }}
    {%- elif kind == 'integer' -%}
        cast({{ column }} as {{ dbt.type_bigint() }})
    {%- elif kind == 'numeric' -%}
        cast({{ column }} as {{ type_double() }})
    {%- elif kind == 'date' -%}
        cast({{ column }} as date)
    {%- else -%}
        {{ column }}
    {%- endif -%}
{%- endmacro %}

{% macro is_unparseable(column, kind, text_columns) -%}
    {%- if column | lower in text_columns -%}
        (nullif(trim({{ column }}), '') is not null and {{ parse_value(column, kind, text_columns) }} is null)
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}

{#- The engine's forgiving cast of a text expression: null when it does not parse. -#}
{% macro default__try_cast_text(expression, kind) -%}
    {%- set types = {
        'integer': dbt.type_bigint(),
        'numeric': type_double(),
        'date': 'date',
        'timestamp': dbt.type_timestamp() ~ ' with time zone',
    } -%}
    try_cast(nullif({{ expression }}, '') as {{ types[kind] }})
{%- endmacro %}

{% macro duckdb__try_cast_text(expression, kind) -%}
    {%- set types = {'integer': 'bigint', 'numeric': 'double', 'date': 'date', 'timestamp': 'timestamptz'} -%}
    try_cast(nullif({{ expression }}, '') as {{ types[kind] }})
{%- endmacro %}

{% macro spark__try_cast_text(expression, kind) -%}
    {%- set types = {'integer': 'bigint', 'numeric': 'double', 'date': 'date', 'timestamp': 'timestamp'} -%}
    try_cast(nullif({{ expression }}, '') as {{ types[kind] }})
{%- endmacro %}

{#- Postgres has no try_cast: a value is cast only when it has the shape of the type (checked by
    a regular expression), and a date only when its day exists in its month. Nested `case`
    expressions keep the cast from being evaluated on text that failed the check. -#}
{% macro postgres__try_cast_text(expression, kind) -%}
    {%- set date_part = "[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])" -%}
    {%- if kind == 'integer' -%}
        case when {{ expression }} ~ '^[+-]?[0-9]{1,18}$' then cast({{ expression }} as bigint) end
    {%- elif kind == 'numeric' -%}
        case
            when {{ expression }} ~ '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]{1,3})?$'
                then cast({{ expression }} as double precision)
        end
    {%- else -%}
        {%- set pattern = date_part if kind == 'date' else date_part
            ~ "([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?)?[ ]?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?" -%}
        case
            when {{ expression }} ~ '^{{ pattern }}$'
                then case
                    when cast(substr({{ expression }}, 9, 2) as integer) <= extract(day from (
                        make_date(
                            cast(substr({{ expression }}, 1, 4) as integer),
                            cast(substr({{ expression }}, 6, 2) as integer),
                            1
                        ) + interval '1 month' - interval '1 day'
                    ))
                        then cast({{ expression }} as {{ 'date' if kind == 'date' else 'timestamptz' }})
                end
        end
    {%- endif -%}
{%- endmacro %}

{#- The key of a row as one text value, or null when any part is missing or blank. Parts
    named in `masked` (a key part that is not an id, such as a date that may be landed as text
    holding anything) are passed through mask_pii, as the key is shown in the quarantine. -#}
{% macro record_key(columns, masked=[]) -%}
    {%- set columns = [columns] if columns is string else columns -%}
    {%- if columns | length == 1 -%}
        nullif(trim(cast({{ columns[0] }} as {{ dbt.type_string() }})), '')
    {%- else -%}
        case
            when {% for c in columns %}nullif(trim(cast({{ c }} as {{ dbt.type_string() }})), '') is null{% if not loop.last %} or {% endif %}{% endfor %}
                then null
            else {{ dbt.concat(record_key_parts(columns, masked)) }}
        end
    {%- endif -%}
{%- endmacro %}

{% macro record_key_parts(columns, masked=[]) -%}
    {%- set parts = [] -%}
    {%- for c in columns -%}
        {%- set part = 'trim(cast(' ~ c ~ ' as ' ~ dbt.type_string() ~ '))' -%}
        {%- do parts.append(mask_pii(part) if c in masked else part) -%}
        {%- if not loop.last -%}
            {%- do parts.append("'|'") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(parts) }}
{%- endmacro %}
