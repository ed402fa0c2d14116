{#- Model contracts on Spark: dbt checks a contract by selecting `cast(null as <data_type>)` for
    each column of the yml, and the marts' data types are written for DuckDB and Postgres
    (varchar without a length, double precision), which Spark does not parse. Same macro as
    dbt's default, with the types mapped by spark_type() (macros/spark/seed.sql). -#}
{% macro spark__get_empty_schema_sql(columns) %}
    {%- set col_err = [] -%}
    select
    {% for i in columns %}
      {%- set col = columns[i] -%}
      {%- if col['data_type'] is not defined -%}
        {%- do col_err.append(col['name']) -%}
      {%- endif -%}
      {% set col_name = adapter.quote(col['name']) if col.get('quote') else col['name'] %}
      {{ cast('null', spark_type(col['data_type'] or '')) }} as {{ col_name }}{{ ", " if not loop.last }}
    {%- endfor -%}
    {%- if (col_err | length) > 0 -%}
      {{ exceptions.column_type_missing(column_names=col_err) }}
    {%- endif -%}
{% endmacro %}
