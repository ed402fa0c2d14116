-- crm.sentiment has no Salesforce counterpart: there is no standard object for CSM sentiment
-- entries or tier overrides (orgs that keep them use a custom object, which this adapter does
-- not read). A typed relation with no rows: the sentiment factor and the CSM overrides are
-- missing for every account (docs/connectors/salesforce.md).
{%- set string = dbt.type_string() %}
{%- set timestamp = dbt.type_timestamp() %}

with

no_rows as (

    select
        cast(null as {{ string }}) as sentiment_id,
        cast(null as {{ string }}) as account_id,
        cast(null as {{ string }}) as author,
        cast(null as {{ dbt.type_bigint() }}) as sentiment_score,
        cast(null as {{ string }}) as rag,
        cast(null as {{ string }}) as note,
        cast(null as {{ timestamp }}) as recorded_at,
        cast(null as {{ string }}) as override_tier,
        cast(null as {{ timestamp }}) as override_expires_at,
        cast(null as {{ string }}) as org_id,
        cast(null as {{ timestamp }}) as _loaded_at,
        cast(null as {{ dbt.type_boolean() }}) as _is_deleted,
        cast(null as {{ string }}) as _mapping_issue,
        cast(null as {{ string }}) as _mapping_detail

),

final as (

    select * from no_rows
    where 1 = 0

)

select * from final
