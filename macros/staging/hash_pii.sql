{#- A salted hash of a personal value (email, phone), so staging never passes the value on.

    The salt comes from var('pii_salt') (env CUSTOMER_HEALTH_PII_SALT in production). Pass an
    already-normalised expression (e.g. lower(trim(email))); a null value hashes to null. -#}
{% macro hash_pii(expression) -%}
    {%- set salt = var('pii_salt') | string | replace("'", "''") -%}
    {{ dbt.hash(dbt.concat(["'" ~ salt ~ "'", expression])) }}
{%- endmacro %}
