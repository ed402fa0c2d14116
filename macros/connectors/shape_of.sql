{#- The shape a source family is landed in (docs/connectors.md): `contract` (the raw tables of
    docs/source_contract.md) or a connector. The family is the contract's source name: crm,
    support, billing or product (whose var is usage_shape). An unknown value stops the build
    with the values allowed. The shape comes from --vars, else the CUSTOMER_HEALTH_<FAMILY>_SHAPE
    environment variable (CUSTOMER_HEALTH_USAGE_SHAPE for product), else contract: the same
    resolution as the +enabled switches of dbt_project.yml, which dbt renders before the
    project's vars. -#}
{% macro shape_of(source_name) -%}
    {%- set allowed = {
        'crm': ('crm_shape', ['contract', 'salesforce', 'hubspot']),
        'support': ('support_shape', ['contract', 'zendesk', 'hubspot']),
        'billing': ('billing_shape', ['contract', 'stripe']),
        'product': ('usage_shape', ['contract', 'pendo', 'segment']),
    } -%}
    {%- set var_name, values = allowed[source_name] -%}
    {%- set env_name = 'CUSTOMER_HEALTH_' ~ ('USAGE' if source_name == 'product' else source_name | upper) ~ '_SHAPE' -%}
    {#- --vars first, then the environment, as the +enabled switches of dbt_project.yml -#}
    {%- set shape = (var(var_name, env_var(env_name, 'contract')) or 'contract') | string | lower | trim -%}
    {%- if shape not in values -%}
        {%- do exceptions.raise_compiler_error(
            'var ' ~ var_name ~ ' is "' ~ shape ~ '", which is not a shape of the ' ~ source_name
            ~ ' family. Next: set it to one of ' ~ values | join(', ')
            ~ ' (docs/connectors.md), e.g. --vars \'{' ~ var_name ~ ': ' ~ values[1] ~ '}\'.'
        ) -%}
    {%- endif -%}
    {{ return(shape) }}
{%- endmacro %}
