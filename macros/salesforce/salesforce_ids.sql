{#- Salesforce ids have two forms: 18 characters (what the API and the connector write) and the
    older 15-character form, case-sensitive, which some integrations and exports still write:
    it is the first 15 characters of the 18-character id. Only the 18-character form is safe to
    compare without case (its last three characters encode the case of the others).

    salesforce_id_aliases(relation, id_column): every form a reference to a record of
    `relation` may take, as rows (alias_id, salesforce_id): the 18-character id itself and its
    first 15 characters. Use it as a CTE body. -#}
{% macro salesforce_id_aliases(relation, id_column) -%}
    select distinct
        {{ id_column }} as salesforce_id,
        {{ id_column }} as alias_id
    from {{ relation }}
    where {{ id_column }} is not null

    union

    select distinct
        {{ id_column }} as salesforce_id,
        substr({{ id_column }}, 1, 15) as alias_id
    from {{ relation }}
    where {{ dbt.length(id_column) }} = 18
{%- endmacro %}

{#- The two left joins that resolve `reference` against an aliases CTE: the exact form (18 or
    15 characters, case-sensitive), then an 18-character reference in another case. Read the
    result with salesforce_resolved_id(reference, alias). -#}
{% macro salesforce_join_id(aliases, reference, alias) -%}
    left join {{ aliases }} as {{ alias }}_exact
        on {{ reference }} = {{ alias }}_exact.alias_id
    left join {{ aliases }} as {{ alias }}_any_case
        on
            {{ alias }}_exact.alias_id is null
            and {{ dbt.length(reference) }} = 18
            and {{ dbt.length(alias ~ '_any_case.alias_id') }} = 18
            and lower({{ reference }}) = lower({{ alias }}_any_case.alias_id)
{%- endmacro %}

{#- The 18-character id a reference resolves to; the reference as written when it names no
    record the connector landed (downstream checks then report it as unknown). -#}
{% macro salesforce_resolved_id(reference, alias) -%}
    coalesce({{ alias }}_exact.salesforce_id, {{ alias }}_any_case.salesforce_id, {{ reference }})
{%- endmacro %}

{#- Whether an id is of the object whose key prefix is `prefix` ('001' account, '003' contact,
    '00Q' lead, ...): who_id and what_id are polymorphic. -#}
{% macro salesforce_is_object(reference, prefix) -%}
    coalesce(substr({{ reference }}, 1, 3) = '{{ prefix }}', false)
{%- endmacro %}
