-- The keys int_identity__account_map matches Zendesk organizations to CRM accounts by, one row
-- per (organization, domain): the CRM id the organization carries (var zendesk_crm_id_column,
-- external_id by default) and its domains: the domain_name table's, and, with var
-- zendesk_identity_user_email_domains (true by default), its end users' email domains (shared
-- mail domains are ignored by the identity map). domain is null for an organization with none.
{%- set use_email_domains = var('zendesk_identity_user_email_domains', true) %}
{%- set org_id = var('zendesk_org_id', none) %}

with

organizations as (

    select * from {{ ref('stg_zendesk__organizations') }}

),

domain_names as (

    select * from {{ ref('stg_zendesk__domain_names') }}

),

users as (

    select * from {{ ref('stg_zendesk__users') }}

),

listed_domains as (

    select
        organization_id,
        domain
    from domain_names
    where
        not is_deleted
        and organization_id is not null
        and domain is not null

),

email_domains as (

    -- end users' email domains, with var zendesk_identity_user_email_domains
    select
        organization_id,
        email_domain as domain  -- noqa: RF04
    from users
    where
        1 = {{ 1 if use_email_domains else 0 }}
        and not is_deleted
        and organization_id is not null
        and email_domain is not null
        and user_role = 'end-user'

),

all_domains as (

    select
        organization_id,
        domain
    from listed_domains
    union
    select
        organization_id,
        domain
    from email_domains

),

final as (

    select
        -- ids
        cast('zendesk' as {{ dbt.type_string() }}) as source_system,
        cast(organizations.organization_id as {{ dbt.type_string() }}) as source_account_id,
        -- what the organization carries
        organizations.organization_name as source_account_name,
        organizations.explicit_crm_id,
        all_domains.domain,
        cast({{ "'" ~ org_id ~ "'" if org_id else 'null' }} as {{ dbt.type_string() }}) as org_id,
        -- housekeeping
        organizations.is_deleted
    from organizations
    left join all_domains
        on organizations.organization_id = all_domains.organization_id
    where organizations.organization_id is not null

)

select * from final
