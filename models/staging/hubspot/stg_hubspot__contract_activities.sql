-- HubSpot meetings, calls and emails as crm.activities: one row per engagement and company, in
-- the contract's columns, for base_crm__activities. An engagement reaches a company only through
-- engagement_company: without one its row is quarantined (no_company_association); linked to
-- several companies it is an activity of each (activity id `<engagement id>:<company id>`).
-- Meeting outcomes: COMPLETED is held, CANCELED and RESCHEDULED (that slot did not take place)
-- cancelled, NO_SHOW no_show; a meeting still SCHEDULED or without an outcome has none (var
-- hubspot_unlogged_meeting_outcome, null by default: quarantined as meeting_without_outcome).
-- Calls are completed when their status is in var hubspot_completed_call_statuses or empty; an
-- unanswered, busy or failed call is no touchpoint and is left out (counted as unused in
-- stg_hubspot__reconciliation). Emails are completed. The contact is the engagement's contact
-- (the lowest id when several).
{{ config(enabled=shape_of('crm') == 'hubspot') }}
{%- set unlogged = var('hubspot_unlogged_meeting_outcome', none) %}
{%- set unlogged_outcome = ("'" ~ unlogged ~ "'") if unlogged else 'null' %}
{%- set completed_statuses = var('hubspot_completed_call_statuses', ['COMPLETED']) %}
{%- set text = dbt.type_string() %}

with

engagements as (

    select * from {{ ref('stg_hubspot__engagements') }}

),

engagement_companies as (

    select * from {{ ref('stg_hubspot__engagement_companies') }}
    where not is_deleted

),

engagement_contacts as (

    select * from {{ ref('stg_hubspot__engagement_contacts') }}
    where not is_deleted

),

activities as (

    -- the engagements that are activities: every meeting and email, calls that connected
    select * from engagements
    where
        engagement_type != 'CALL'
        or call_status is null
        or {{ hubspot_in('call_status', completed_statuses) }}

),

companies as (

    select distinct
        engagement_id,
        company_id
    from engagement_companies

),

company_counts as (

    select
        engagement_id,
        count(*) as company_count
    from companies
    group by 1

),

contacts as (

    select
        engagement_id,
        min(contact_id) as contact_id
    from engagement_contacts
    group by 1

),

mapped as (

    select
        activities.engagement_id,
        companies.company_id,
        contacts.contact_id,
        coalesce(company_counts.company_count, 0) as company_count,
        case activities.engagement_type
            when 'MEETING' then 'meeting'
            when 'CALL' then 'call'
            when 'EMAIL' then 'email'
        end as activity_type,
        case
            when activities.engagement_type != 'MEETING' then 'completed'
            when activities.meeting_outcome = 'COMPLETED' then 'held'
            when
                activities.meeting_outcome in ('CANCELED', 'CANCELLED', 'RESCHEDULED')
                then 'cancelled'
            when activities.meeting_outcome = 'NO_SHOW' then 'no_show'
            -- still SCHEDULED, or never logged: var hubspot_unlogged_meeting_outcome (null)
            when
                activities.meeting_outcome is null or activities.meeting_outcome = 'SCHEDULED'
                then {{ unlogged_outcome }}
        end as outcome,
        activities.meeting_outcome,
        activities.occurred_at,
        activities.is_deleted,
        activities.loaded_at
    from activities
    left join companies
        on activities.engagement_id = companies.engagement_id
    left join company_counts
        on activities.engagement_id = company_counts.engagement_id
    left join contacts
        on activities.engagement_id = contacts.engagement_id

),

final as (

    select
        case
            when company_count > 1
                then {{ dbt.concat([
                    'cast(engagement_id as ' ~ text ~ ')', "':'", 'cast(company_id as ' ~ text ~ ')'
                ]) }}
            else cast(engagement_id as {{ text }})
        end as activity_id,
        cast(company_id as {{ text }}) as account_id,
        cast(contact_id as {{ text }}) as contact_id,
        cast(activity_type as {{ text }}) as activity_type,
        cast(outcome as {{ text }}) as outcome,
        occurred_at,
        cast(null as {{ text }}) as org_id,
        loaded_at as _loaded_at,
        is_deleted as _is_deleted,
        cast(case
            when company_id is null then 'no_company_association'
            when outcome is null then 'meeting_without_outcome'
        end as {{ text }}) as _mapping_issue,
        cast(case
            when company_id is null
                then {{ dbt.concat([
                    "'engagement '", 'cast(engagement_id as ' ~ text ~ ')',
                    "' has no engagement_company row'"
                ]) }}
            when outcome is null
                then {{ dbt.concat([
                    "'meeting '", 'cast(engagement_id as ' ~ text ~ ')', "' has outcome '",
                    "coalesce(meeting_outcome, 'none')",
                    "' (set var hubspot_unlogged_meeting_outcome to count such meetings)'"
                ]) }}
        end as {{ text }}) as _mapping_detail
    from mapped

)

select * from final
