-- Salesforce contacts as crm.contacts (docs/connectors/salesforce.md). The role comes from a
-- custom field (var salesforce_contact_role_column, values mapped by var
-- salesforce_contact_roles), else from keywords of the title (var
-- salesforce_contact_title_roles), else var salesforce_contact_default_role; an unknown role
-- value is sent to the quarantine with the reason. The account id, written in the 15- or
-- 18-character form, resolves to the 18-character id. The role starts on var
-- salesforce_contact_active_from_column (the contact's creation by default) and ends on var
-- salesforce_contact_active_to_column. A merged-away contact (master_record_id) is deleted.
{%- set string = dbt.type_string() %}
{%- set title_rules = [] %}
{%- for role, keywords in var('salesforce_contact_title_roles').items() %}
    {%- for keyword in keywords %}
        {%- do title_rules.append(("'%" ~ (keyword | lower | replace("'", "''")) ~ "%'", role)) %}
    {%- endfor %}
{%- endfor %}
{%- set padded_title = dbt.concat(["' '", "lower(contacts.title)", "' '"]) %}

with

contacts as (

    select * from {{ ref('stg_salesforce__contact') }}
    where not is_inactive_version

),

account_aliases as (

    {{ salesforce_id_aliases(ref('stg_salesforce__account'), 'account_id') }}

),

mapped as (

    select
        contacts.*,
        {{ salesforce_resolved_id('contacts.account_reference', 'account') }} as account_id,
        {{ salesforce_picklist('contacts.role_value', var('salesforce_contact_roles')) }}
            as role_mapped,
        case
            {%- for pattern, role in title_rules %}
                when ({{ padded_title }}) like {{ pattern }} then '{{ role }}'
            {%- endfor %}
            else '{{ var('salesforce_contact_default_role', 'user') }}'
        end as role_from_title
    from contacts
    {{ salesforce_join_id('account_aliases', 'contacts.account_reference', 'account') }}

),

final as (

    select
        cast(contact_id as {{ string }}) as contact_id,
        cast(account_id as {{ string }}) as account_id,
        cast(case
            when nullif(trim(role_value), '') is null then role_from_title
            else coalesce(role_mapped, role_value)
        end as {{ string }}) as role,  -- noqa: RF04
        cast(email as {{ string }}) as email,
        cast(coalesce(phone, mobile_phone) as {{ string }}) as phone,
        cast(coalesce(active_from_date, created_date) as date) as active_from,
        cast(active_to_date as date) as active_to,
        cast(null as {{ string }}) as org_id,
        loaded_at as _loaded_at,
        (is_deleted or master_record_id is not null) as _is_deleted,
        cast(case
            when nullif(trim(role_value), '') is not null and role_mapped is null
                then 'unmappable_row'
        end as {{ string }}) as _mapping_issue,
        cast(case
            when nullif(trim(role_value), '') is not null and role_mapped is null
                then {{ dbt.concat([
                    "'role '", "trim(role_value)",
                    "' is in no list of var salesforce_contact_roles'",
                ]) }}
        end as {{ string }}) as _mapping_detail
    from mapped

)

select * from final
