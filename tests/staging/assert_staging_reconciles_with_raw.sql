-- Every raw row is accounted for in staging: for each raw table, count(raw rows) equals
-- sum(source_versions) of its staging model (the dedupe collapses versions of a key into one
-- row and counts them; soft deletes are kept). Returns one row per table that does not match.

{%- set staged_tables = [
    ('crm', 'accounts', 'stg_crm__accounts'),
    ('crm', 'contacts', 'stg_crm__contacts'),
    ('crm', 'activities', 'stg_crm__activities'),
    ('crm', 'sentiment', 'stg_crm__sentiment'),
    ('crm', 'contracts', 'stg_crm__contracts'),
    ('crm', 'opportunities', 'stg_crm__opportunities'),
    ('product', 'events', 'stg_product__events'),
    ('product', 'features', 'stg_product__features'),
    ('product', 'seats', 'stg_product__seats'),
    ('support', 'tickets', 'stg_support__tickets'),
    ('billing', 'subscriptions', 'stg_billing__subscriptions'),
    ('billing', 'plan_changes', 'stg_billing__plan_changes'),
    ('billing', 'invoices', 'stg_billing__invoices'),
    ('billing', 'payments', 'stg_billing__payments'),
    ('billing', 'disputes', 'stg_billing__disputes'),
] %}

with

raw_counts as (

    {% for source_name, table_name, model_name in staged_tables %}
        select
            '{{ source_name }}.{{ table_name }}' as raw_table,
            count(*) as raw_rows
        from {{ source(source_name, table_name) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

staged_counts as (

    {% for source_name, table_name, model_name in staged_tables %}
        select
            '{{ source_name }}.{{ table_name }}' as raw_table,
            coalesce(sum(source_versions), 0) as staged_rows
        from {{ ref(model_name) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        raw_counts.raw_table,
        raw_counts.raw_rows,
        staged_counts.staged_rows
    from raw_counts
    left join staged_counts
        on raw_counts.raw_table = staged_counts.raw_table
    where
        staged_counts.staged_rows is null
        or raw_counts.raw_rows != staged_counts.staged_rows

)

select * from final
