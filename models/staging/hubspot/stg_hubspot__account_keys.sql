-- The keys of each HubSpot company for the identity map (int_identity__account_map), when
-- HubSpot holds the tickets and another system is the CRM: the CRM id the company carries (the
-- property var hubspot_crm_id_property names, e.g. the Salesforce sync's salesforceaccountid)
-- and its domains (property_domain and the website's domain): one row per domain, one row with
-- a null domain when it has none.
{{ config(enabled=shape_of('support') == 'hubspot' and shape_of('crm') != 'hubspot') }}
{%- set text = dbt.type_string() %}

with

companies as (

    select * from {{ ref('stg_hubspot__companies') }}

),

domains as (

    select
        company_id,
        {{ normalize_domain('domain_name') }} as domain  -- noqa: RF04
    from companies
    union
    select
        company_id,
        {{ normalize_domain('website') }} as domain  -- noqa: RF04
    from companies

),

known_domains as (

    select * from domains
    where domain is not null

),

final as (

    select
        cast('hubspot' as {{ text }}) as source_system,
        cast(companies.company_id as {{ text }}) as source_account_id,
        cast(companies.company_name as {{ text }}) as source_account_name,
        cast(companies.crm_id as {{ text }}) as explicit_crm_id,
        cast(known_domains.domain as {{ text }}) as domain,  -- noqa: RF04
        cast(null as {{ text }}) as org_id,
        companies.is_deleted
    from companies
    left join known_domains
        on companies.company_id = known_domains.company_id

)

select * from final
