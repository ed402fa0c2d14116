{#- The columns of a raw table as the source contract declares them, read the way the base
    models need them: one select expression per contract column, in contract order.

    The contract (src/customer_health/contract.py) is mirrored in the sources yml, where every
    column carries `config: {meta: {contract_type, required}}`. When the model compiles, the
    raw table's real columns are read from the warehouse (as text_columns_of does):
    - a contract column the table has is selected as is;
    - an optional column the table lacks (a table created before the column was added to the
      contract) is selected as a typed null, so staging passes a null on;
    - a required column the table lacks stops the build with the table, the column and what
      to do (the source gate of `customer-health run` says the same before dbt runs);
    - a column the contract does not know is not selected: extra columns are ignored.
    When the columns cannot be read (a unit test's fixture, or parsing), every contract
    column is selected by name. -#}
{% macro contract_columns(relation, source_name, table_name) -%}
    {%- set declared = [] -%}
    {%- if execute -%}
        {%- for node in graph.get('sources', {}).values() -%}
            {%- if node.source_name == source_name and node.name == table_name -%}
                {%- for column in node.columns.values() -%}
                    {%- set meta = column.config.meta if column.config is defined and column.config.meta else column.meta -%}
                    {%- do declared.append({
                        'name': column.name,
                        'type': meta.get('contract_type', 'text'),
                        'required': meta.get('required', true),
                    }) -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set present = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do present.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set expressions = [] -%}
    {%- for column in declared -%}
        {%- if not present or column.name in present -%}
            {%- do expressions.append(column.name) -%}
        {%- elif not column.required -%}
            {%- do expressions.append(
                'cast(null as ' ~ contract_sql_type(column.type) ~ ') as ' ~ column.name
            ) -%}
        {%- else -%}
            {%- do exceptions.raise_compiler_error(
                'raw table ' ~ relation ~ ' has no column ' ~ column.name ~ ', which the source '
                ~ 'contract requires (' ~ source_name ~ '.' ~ table_name ~ '.' ~ column.name
                ~ ', ' ~ column.type ~ '). Next: add the column to the table, or to the view '
                ~ 'that maps your export onto the contract (docs/source_contract.md); '
                ~ 'optional columns may be left out.'
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(expressions if expressions else ['*']) }}
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
