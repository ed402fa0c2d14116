{#- The columns of a raw table as the source contract declares them, read the way the base
    models need them: one select expression per contract column, in contract order.

    The contract (src/customer_health/contract.py) is mirrored in macros/utils/contract_spec.sql.
    When the model compiles, the raw table's real columns are read from the warehouse (as
    text_columns_of does):
    - a contract column the table has is selected as is;
    - an optional column the table lacks (a table created before the column was added to the
      contract) is selected as a typed null, so staging passes a null on;
    - a required column the table lacks stops the build with the table, the column and what
      to do (the source gate of `customer-health run` says the same before dbt runs);
    - a column the contract does not know is not selected: extra columns are ignored;
    - `_mapping_issue` and `_mapping_detail`, which a connector's mapping view sets on a row it
      could not map (an account no identity rule matched, ...), are selected when present and
      as typed nulls otherwise.
    In a unit test the source is a fixture built from the real table's columns, so those are
    read from the real table (the `<source>_schema` and `<source>_database` vars, as in the
    sources yml). When no columns can be read (parsing), every contract column is selected. -#}
{% macro contract_columns(relation, source_name, table_name) -%}
    {%- set declared = contract_spec()[source_name ~ '.' ~ table_name] -%}
    {%- set present = [] -%}
    {%- if execute -%}
        {%- set real = relation -%}
        {%- if relation.identifier is not defined or relation.identifier.startswith('__dbt__cte__') -%}
            {%- set real = api.Relation.create(
                database=var(source_name ~ '_database', none) or target.database or none,
                schema=var(source_name ~ '_schema', 'raw_' ~ source_name),
                identifier=table_name,
            ) -%}
        {%- endif -%}
        {%- for column in adapter.get_columns_in_relation(real) -%}
            {%- do present.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set expressions = [] -%}
    {%- for name, type, required in declared -%}
        {%- if not present or name in present -%}
            {%- do expressions.append(name) -%}
        {%- elif not required -%}
            {%- do expressions.append('cast(null as ' ~ contract_sql_type(type) ~ ') as ' ~ name) -%}
        {%- else -%}
            {%- do exceptions.raise_compiler_error(
                'raw table ' ~ real.schema ~ '.' ~ real.identifier ~ ' has no column ' ~ name
                ~ ', which the source '
                ~ 'contract requires (' ~ source_name ~ '.' ~ table_name ~ '.' ~ name ~ ', '
                ~ type ~ '). Next: add the column to the table, or to the view that maps your '
                ~ 'export onto the contract (docs/source_contract.md); optional columns may be '
                ~ 'left out.'
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {#- a connector's mapping view (docs/connectors.md) says why a row could not be mapped -#}
    {%- for name in ['_mapping_issue', '_mapping_detail'] -%}
        {%- if present and name in present -%}
            {%- do expressions.append(name) -%}
        {%- else -%}
            {%- do expressions.append('cast(null as ' ~ dbt.type_string() ~ ') as ' ~ name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(expressions) }}
{%- endmacro %}

{#- The warehouse type of a contract type (text, integer, numeric, boolean, date, timestamp). -#}
{% macro contract_sql_type(contract_type) -%}
    {%- set types = {
        'text': dbt.type_string(),
        'integer': dbt.type_bigint(),
        'numeric': type_double(),
        'boolean': dbt.type_boolean(),
        'date': 'date',
        'timestamp': dbt.type_timestamp(),
    } -%}
    {{ return(types[contract_type]) }}
{%- endmacro %}

{#- The select list of contract_columns(): the expressions, one per line. -#}
{% macro select_contract_columns(columns) -%}
    {%- for expression in columns %}
        {{ expression }}{% if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}
