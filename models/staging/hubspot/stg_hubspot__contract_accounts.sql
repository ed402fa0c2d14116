-- HubSpot companies as crm.accounts (docs/connectors/hubspot.md): one row per company, in the
-- contract's columns, for base_crm__accounts. The account id is the company id; the segment is
-- the property var hubspot_segment_property names, else a band of numberofemployees (var
-- hubspot_segment_employee_bands); the CSM is the owner's name; created_date the day the
-- company became a customer (else the day it was created in HubSpot); the status the lifecycle
-- stage (active or churned; any other stage is no status); the website its domain.
{{ config(enabled=shape_of('crm') == 'hubspot') }}
{%- set bands = var('hubspot_segment_employee_bands', {'enterprise': 1000, 'mid_market': 200}) %}
{%- set active_stages = var('hubspot_active_lifecycle_stages', ['customer', 'evangelist']) %}
{%- set churned_stages = var('hubspot_churned_lifecycle_stages', ['former_customer', 'churned']) %}
{%- set text = dbt.type_string() %}

with

companies as (

    select * from {{ ref('stg_hubspot__companies') }}

),

owners as (

    select * from {{ ref('stg_hubspot__owners') }}

),

mapped as (

    select
        companies.company_id,
        companies.company_name,
        companies.parent_company_id,
        companies.industry,
        companies.region,
        owners.owner_name,
        coalesce(
            companies.segment_property,
            case
                when companies.employee_count >= {{ bands['enterprise'] }} then 'enterprise'
                when companies.employee_count >= {{ bands['mid_market'] }} then 'mid_market'
                when companies.employee_count >= 0 then 'smb'
            end
        ) as segment,
        cast(coalesce(companies.customer_since_at, companies.created_at) as date) as created_date,
        case
            when {{ hubspot_in('companies.lifecycle_stage', active_stages) }} then 'active'
            when {{ hubspot_in('companies.lifecycle_stage', churned_stages) }} then 'churned'
        end as account_status,
        companies.churn_date,
        coalesce(
            {{ normalize_domain('companies.domain_name') }},
            {{ normalize_domain('companies.website') }}
        ) as website,
        companies.is_deleted,
        companies.loaded_at
    from companies
    left join owners
        on companies.owner_id = owners.owner_id

),

final as (

    select
        cast(company_id as {{ text }}) as account_id,
        cast(company_name as {{ text }}) as account_name,
        cast(segment as {{ text }}) as segment,
        cast(industry as {{ text }}) as industry,
        cast(region as {{ text }}) as region,
        cast(owner_name as {{ text }}) as owner_csm,
        cast(parent_company_id as {{ text }}) as parent_account_id,
        created_date,
        cast(account_status as {{ text }}) as account_status,
        churn_date,
        cast(website as {{ text }}) as website,
        cast(null as {{ text }}) as org_id,
        loaded_at as _loaded_at,
        is_deleted as _is_deleted,
        cast(null as {{ text }}) as _mapping_issue,
        cast(null as {{ text }}) as _mapping_detail
    from mapped

)

select * from final
