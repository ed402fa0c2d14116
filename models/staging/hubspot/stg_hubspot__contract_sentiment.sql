-- crm.sentiment under HubSpot: no rows. HubSpot has no standard object for CSM sentiment
-- entries or tier overrides (a portal may keep them in custom properties or a custom object,
-- which this adapter does not read): the sentiment factors are missing for every account and no
-- CSM override applies (docs/connectors/hubspot.md). A typed relation, so that
-- base_crm__sentiment builds as it does on the contract.
{{ config(enabled=shape_of('crm') == 'hubspot') }}
{%- set text = dbt.type_string() %}

with

one_row as (

    select 1 as placeholder

),

final as (

    select
        cast(null as {{ text }}) as sentiment_id,
        cast(null as {{ text }}) as account_id,
        cast(null as {{ text }}) as author,
        cast(null as {{ dbt.type_bigint() }}) as sentiment_score,
        cast(null as {{ text }}) as rag,
        cast(null as {{ text }}) as note,
        cast(null as {{ dbt.type_timestamp() }}) as recorded_at,
        cast(null as {{ text }}) as override_tier,
        cast(null as {{ dbt.type_timestamp() }}) as override_expires_at,
        cast(null as {{ text }}) as org_id,
        cast(null as {{ dbt.type_timestamp() }}) as _loaded_at,
        cast(null as {{ dbt.type_boolean() }}) as _is_deleted,
        cast(null as {{ text }}) as _mapping_issue,
        cast(null as {{ text }}) as _mapping_detail
    from one_row
    where 1 = 0

)

select * from final
