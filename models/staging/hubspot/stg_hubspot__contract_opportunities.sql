-- HubSpot renewal and expansion deals as crm.opportunities: one row per deal, in the contract's
-- columns, for base_crm__opportunities (kinds, outcomes and companies: stg_hubspot__deal_outcomes).
-- The amount is the deal's, previous_amount the custom property var
-- hubspot_previous_amount_property names (without it, a won renewal's downgrade is missing),
-- the currency the deal's (var hubspot_currency when the portal has one currency). New-business
-- deals are no opportunities (counted as unused in stg_hubspot__reconciliation).
{{ config(enabled=shape_of('crm') == 'hubspot') }}
{%- set text = dbt.type_string() %}

with

deals as (

    select * from {{ ref('stg_hubspot__deal_outcomes') }}
    where deal_kind in ('renewal', 'expansion')

),

final as (

    select
        cast(deal_id as {{ text }}) as opportunity_id,
        cast(company_id as {{ text }}) as account_id,
        cast(deal_kind as {{ text }}) as opportunity_type,
        cast(outcome as {{ text }}) as stage,  -- noqa: RF04
        close_date,
        cast(amount as {{ type_double() }}) as amount,
        cast(previous_amount as {{ type_double() }}) as previous_amount,
        cast(currency as {{ text }}) as currency,
        cast(null as {{ text }}) as org_id,
        loaded_at as _loaded_at,
        is_deleted as _is_deleted,
        cast(mapping_issue as {{ text }}) as _mapping_issue,
        cast(mapping_detail as {{ text }}) as _mapping_detail
    from deals

)

select * from final
