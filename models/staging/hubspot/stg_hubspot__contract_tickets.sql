-- HubSpot tickets as support.tickets: one row per ticket, in the contract's columns, for
-- base_support__tickets. A ticket reaches its company only through ticket_company (none:
-- no_company_association; several: several_companies, both quarantined). When HubSpot is also
-- the CRM the company id is the account id and the requester the ticket's contact; under
-- another CRM the company goes through int_identity__account_map (source_system hubspot), whose
-- unmatched and ambiguous companies quarantine their tickets, and the requester is left empty
-- (a HubSpot contact id is no CRM contact id). Priority: var hubspot_ticket_priorities (an
-- unknown value: unknown_priority). Status from the stage (ticket_pipeline_stage): a closed stage
-- is closed, or solved when its label says solved or resolved; an open one new (label New...),
-- pending (waiting on contact or customer, pending) or open; var hubspot_ticket_stage_statuses
-- overrides any stage. HubSpot carries no reopen count and no CSAT: both are null.
{{ config(enabled=shape_of('support') == 'hubspot') }}
{%- set hubspot_crm = shape_of('crm') == 'hubspot' %}
{%- set priorities = var('hubspot_ticket_priorities', {
    'URGENT': 'urgent', 'HIGH': 'high', 'MEDIUM': 'normal', 'LOW': 'low'
}) %}
{%- set stage_statuses = var('hubspot_ticket_stage_statuses', {}) %}
{%- set text = dbt.type_string() %}
{%- set bigint = dbt.type_bigint() %}
{%- set ticket_text = 'cast(ticket_id as ' ~ text ~ ')' %}
{#- the var's stage overrides and priorities as `when` clauses #}
{%- set stage_overrides = [] %}
{%- for stage_id, status in stage_statuses.items() %}
    {%- do stage_overrides.append(
        "when tickets.stage_id = '" ~ stage_id ~ "' then '" ~ status ~ "'"
    ) %}
{%- endfor %}
{%- set priority_cases = [] %}
{%- for value, priority in priorities.items() %}
    {%- do priority_cases.append("when '" ~ (value | upper) ~ "' then '" ~ priority ~ "'") %}
{%- endfor %}

with

tickets as (

    select * from {{ ref('stg_hubspot__tickets') }}

),

ticket_companies as (

    select * from {{ ref('stg_hubspot__ticket_companies') }}
    where not is_deleted

),

stages as (

    select * from {{ ref('stg_hubspot__ticket_stages') }}

),

requesters as (

    {%- if hubspot_crm %}
        select
            ticket_id,
            min(contact_id) as contact_id
        from {{ ref('stg_hubspot__ticket_contacts') }}
        where not is_deleted
        group by 1
    {%- else %}
        -- under another CRM a HubSpot contact id is no CRM contact id: no requester
        select
            cast(null as {{ bigint }}) as ticket_id,
            cast(null as {{ bigint }}) as contact_id
        from tickets
        where 1 = 0
    {%- endif %}

),

identity_map as (

    {%- if hubspot_crm %}
        -- HubSpot is the CRM: a company is its own account
        select distinct
            cast(company_id as {{ text }}) as source_account_id,
            cast(company_id as {{ text }}) as crm_account_id,
            'matched' as match_status,
            cast(null as {{ text }}) as match_detail
        from ticket_companies
    {%- else %}
        select
            source_account_id,
            crm_account_id,
            match_status,
            match_detail
        from {{ ref('int_identity__account_map') }}
        where source_system = 'hubspot'
    {%- endif %}

),

companies as (

    select
        ticket_id,
        count(distinct company_id) as company_count,
        min(company_id) as company_id
    from ticket_companies
    group by 1

),

mapped as (

    select
        tickets.*,
        coalesce(companies.company_count, 0) as company_count,
        identity_map.crm_account_id as account_id,
        identity_map.match_status,
        identity_map.match_detail,
        requesters.contact_id as requester_contact_id,
        case
            {{ stage_overrides | join('\n            ') }}
            when stages.stage_id is null then null
            when
                stages.is_closed
                and (
                    lower(stages.stage_label) like '%solved%'
                    or lower(stages.stage_label) like '%resolved%'
                )
                then 'solved'
            when stages.is_closed then 'closed'
            when lower(trim(stages.stage_label)) like 'new%' then 'new'
            when
                lower(stages.stage_label) like '%waiting on contact%'
                or lower(stages.stage_label) like '%waiting on customer%'
                or lower(stages.stage_label) like '%pending%'
                then 'pending'
            else 'open'
        end as status,
        case upper(tickets.priority)
            {{ priority_cases | join('\n            ') }}
        end as mapped_priority
    from tickets
    left join companies
        on tickets.ticket_id = companies.ticket_id
    left join identity_map
        on
            companies.company_count = 1
            and cast(companies.company_id as {{ text }}) = identity_map.source_account_id
    left join requesters
        on tickets.ticket_id = requesters.ticket_id
    left join stages
        on tickets.stage_id = stages.stage_id

),

final as (

    select
        {{ ticket_text }} as ticket_id,
        cast(account_id as {{ text }}) as account_id,
        cast(requester_contact_id as {{ text }}) as requester_id,
        cast(mapped_priority as {{ text }}) as priority,
        cast(status as {{ text }}) as status,
        created_at,
        first_response_at,
        closed_at as solved_at,
        cast(null as {{ bigint }}) as reopened_count,
        cast(null as {{ bigint }}) as csat_score,
        cast(subject as {{ text }}) as subject,
        cast(null as {{ text }}) as org_id,
        loaded_at as _loaded_at,
        is_deleted as _is_deleted,
        cast(case
            when company_count = 0 then 'no_company_association'
            when company_count > 1 then 'several_companies'
            when match_status = 'ambiguous' then 'ambiguous_identity'
            when match_status is null or match_status != 'matched' then 'unmatched_identity'
            when stage_id is not null and status is null then 'unknown_ticket_stage'
            when priority is not null and mapped_priority is null then 'unknown_priority'
        end as {{ text }}) as _mapping_issue,
        cast(case
            when company_count = 0
                then {{ dbt.concat(["'ticket '", ticket_text, "' has no ticket_company row'"]) }}
            when company_count > 1
                then {{ dbt.concat([
                    "'ticket '", ticket_text, "' is linked to '",
                    'cast(company_count as ' ~ text ~ ')', "' companies'"
                ]) }}
            when match_status is null or match_status != 'matched'
                then coalesce(match_detail, 'the company is not in int_identity__account_map')
            when stage_id is not null and status is null
                then {{ dbt.concat([
                    "'ticket '", ticket_text, "' is in stage '", 'stage_id',
                    "', which ticket_pipeline_stage does not list'"
                ]) }}
            when priority is not null and mapped_priority is null
                then {{ dbt.concat([
                    "'priority '", 'priority', "' is not in var hubspot_ticket_priorities'"
                ]) }}
        end as {{ text }}) as _mapping_detail
    from mapped

)

select * from final
