-- HubSpot contacts as crm.contacts: one row per contact, in the contract's columns, for
-- base_crm__contacts. The account is the contact's primary company
-- (property_associatedcompanyid); the role its buying role (var hubspot_contact_roles maps the
-- values, several ';'-separated: sponsor first, then champion, then admin; none of them is a
-- user); active_from the day it was created; active_to the left-company date property.
{{ config(enabled=shape_of('crm') == 'hubspot') }}
{%- set roles = var('hubspot_contact_roles', {
    'sponsor': ['EXECUTIVE_SPONSOR', 'DECISION_MAKER', 'BUDGET_HOLDER'],
    'champion': ['CHAMPION'],
    'admin': ['ADMIN'],
}) %}
{%- set text = dbt.type_string() %}
{%- set role_list = dbt.concat(["';'", "upper(replace(contacts.buying_role, ' ', ''))", "';'"]) %}

with

contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}

),

mapped as (

    select
        contacts.*,
        case
            {%- for role in ['sponsor', 'champion', 'admin'] %}
            {%- for value in roles.get(role, []) %}
            when {{ role_list }} like '%;{{ value | upper | replace("'", "''") }};%' then '{{ role }}'
            {%- endfor %}
            {%- endfor %}
            else 'user'
        end as role
    from contacts

),

final as (

    select
        cast(contact_id as {{ text }}) as contact_id,
        cast(company_id as {{ text }}) as account_id,
        cast(role as {{ text }}) as role,  -- noqa: RF04
        cast(email as {{ text }}) as email,
        cast(phone as {{ text }}) as phone,
        cast(created_at as date) as active_from,
        cast(left_at as date) as active_to,
        cast(null as {{ text }}) as org_id,
        loaded_at as _loaded_at,
        is_deleted as _is_deleted,
        cast(null as {{ text }}) as _mapping_issue,
        cast(null as {{ text }}) as _mapping_detail
    from mapped

)

select * from final
