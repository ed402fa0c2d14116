{#- The 15 raw tables of the source contract, as (source, table) pairs, in the contract's order
    (src/customer_health/contract.py; tests/python/test_contract.py checks they agree). Each has a
    base model base_<source>__<table> and a staging model stg_<source>__<table>. -#}
{% macro raw_tables() -%}
    {{ return([
        ('crm', 'accounts'),
        ('crm', 'contacts'),
        ('crm', 'activities'),
        ('crm', 'sentiment'),
        ('crm', 'contracts'),
        ('crm', 'opportunities'),
        ('product', 'events'),
        ('product', 'features'),
        ('product', 'seats'),
        ('support', 'tickets'),
        ('billing', 'subscriptions'),
        ('billing', 'plan_changes'),
        ('billing', 'invoices'),
        ('billing', 'payments'),
        ('billing', 'disputes'),
    ]) }}
{%- endmacro %}
