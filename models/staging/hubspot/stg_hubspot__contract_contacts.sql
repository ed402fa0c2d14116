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
{#- the buying roles as ';A;B;', so that each value can be matched whole #}
{%- set role_list = dbt.concat(["';'", "upper(replace(buying_role, ' ', ''))", "';'"]) %}
{%- set matches = {} %}
{%- for role in ['sponsor', 'champion', 'admin'] %}
    {%- set conditions = [] %}
    {%- for value in roles.get(role, []) %}
        {%- do conditions.append(
            role_list ~ " like '%;" ~ (value | upper | replace("'", "''")) ~ ";%'"
        ) %}
    {%- endfor %}
    {%- do matches.update({role: conditions | join(' or ') if conditions else '1 = 0'}) %}
{%- endfor %}

with

contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}

),

mapped as (

    select
        *,
        case
            when {{ matches['sponsor'] }} then 'sponsor'
            when {{ matches['champion'] }} then 'champion'
            when {{ matches['admin'] }} then 'admin'
            else 'user'
        end as role  -- noqa: RF04
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
