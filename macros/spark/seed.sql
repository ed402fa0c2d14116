{#- Seeds on Spark (overrides of dbt-spark's macros; the root project's are searched first).

    - Types: the seeds' column_types are written for DuckDB and Postgres (varchar without a
      length, double precision), which Spark does not parse; spark_type() maps them.
    - Values: dbt-spark binds each value in session mode as '<value>' without escaping, so a
      text with an apostrophe (playbooks, factor_catalogue) breaks the insert. Here each value is
      written as a Spark string literal with its quotes and backslashes escaped, then cast. -#}
{% macro spark_type(data_type) -%}
    {%- set t = data_type | trim | lower -%}
    {%- if t in ['double precision', 'float8', 'real', 'float4'] -%}
        {{ return('double') }}
    {%- elif t in ['text', 'varchar', 'character varying'] or t.startswith('varchar(')
        or t.startswith('character varying(') -%}
        {{ return('string') }}
    {%- elif t in ['integer', 'int4'] -%}
        {{ return('int') }}
    {%- elif t in ['int8'] -%}
        {{ return('bigint') }}
    {%- elif t in ['timestamptz', 'timestamp with time zone'] -%}
        {{ return('timestamp') }}
    {%- else -%}
        {{ return(data_type) }}
    {%- endif -%}
{%- endmacro %}

{% macro spark_string_literal(value) -%}
    {%- if value is none -%}
        null
    {%- else -%}
        '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}

{% macro spark__create_csv_table(model, agate_table) %}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}

  {% set sql %}
    create table {{ this.render() }} (
        {%- for col_name in agate_table.column_names -%}
            {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
            {%- set type = spark_type(column_override.get(col_name, inferred_type)) -%}
            {%- set column_name = (col_name | string) -%}
            {{ adapter.quote_seed_column(column_name, quote_seed_column) }} {{ type }} {%- if not loop.last -%}, {%- endif -%}
        {%- endfor -%}
    )
    {{ file_format_clause() }}
    {{ partition_cols(label="partitioned by") }}
    {{ clustered_cols(label="clustered by") }}
    {{ location_clause() }}
    {{ comment_clause() }}
  {% endset %}

  {% call statement('_') -%}
    {{ sql }}
  {%- endcall %}

  {{ return(sql) }}
{% endmacro %}

{% macro spark__load_csv_rows(model, agate_table) %}
  {% set batch_size = get_batch_size() %}
  {% set column_override = model['config'].get('column_types', {}) %}
  {% set types = [] %}
  {% for col_name in agate_table.column_names %}
    {% do types.append(spark_type(column_override.get(
        col_name, adapter.convert_type(agate_table, loop.index0)))) %}
  {% endfor %}
  {% set statements = [] %}
  {% for chunk in agate_table.rows | batch(batch_size) %}
      {% set sql %}
          insert into {{ this.render() }} values
          {% for row in chunk -%}
              ({%- for value in row -%}
                  cast({{ spark_string_literal(value) }} as {{ types[loop.index0] }})
                  {%- if not loop.last %},{% endif -%}
              {%- endfor -%})
              {%- if not loop.last %},{% endif %}
          {% endfor %}
      {% endset %}
      {% do adapter.add_query(sql, abridge_sql_log=True) %}
      {% if loop.index0 == 0 %}
          {% do statements.append(sql) %}
      {% endif %}
  {% endfor %}
  {{ return(statements[0] if statements else '') }}
{% endmacro %}
