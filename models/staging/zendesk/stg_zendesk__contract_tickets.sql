-- Zendesk tickets mapped onto support.tickets (docs/connectors/zendesk.md), one row per ticket
-- row, except tickets merged into another one (listed in the survivor's merged_ticket_ids),
-- which are counted through their survivor (stg_zendesk__reconciliation lists them as unused).
--   account_id: the ticket's organization (or its requester's when the ticket has none),
--     through int_identity__account_map; an organization matched to no CRM account, or to
--     several, sends the ticket to the quarantine (unmatched_identity, ambiguous_identity);
--   requester_id: the requester's external_id (var zendesk_requester_key), else its Zendesk id;
--   priority: Zendesk's, null as var zendesk_default_priority; status: hold as var
--     zendesk_hold_status, a deleted ticket's status is the last one before the deletion;
--   first_response_at, solved_at, reopened_count, csat_score: stg_zendesk__ticket_facts (CSAT
--     good and bad as vars zendesk_csat_good_score and zendesk_csat_bad_score);
--   org_id: var zendesk_org_id (one Zendesk instance per tenant).
-- A value outside Zendesk's vocabularies is not guessed: the row is quarantined
-- (unmappable_row, unknown_priority or unknown_status).
{%- set default_priority = var('zendesk_default_priority', 'normal') %}
{%- set hold_status = var('zendesk_hold_status', 'open') %}
{%- set requester_key = var('zendesk_requester_key', 'external_id') %}
{%- set org_id = var('zendesk_org_id', none) %}
{%- set default_priority_sql = ("'" ~ default_priority ~ "'") if default_priority else 'null' %}
{%- set requester_sql = 'coalesce(requester_external_id, cast(requester_id as '
    ~ dbt.type_string() ~ '))' if requester_key == 'external_id' else 'requester_id' %}

with

tickets as (

    select * from {{ ref('stg_zendesk__tickets') }}

),

ticket_facts as (

    select * from {{ ref('stg_zendesk__ticket_facts') }}

),

users as (

    select * from {{ ref('stg_zendesk__users') }}

),

identity_map as (

    select * from {{ ref('int_identity__account_map') }}
    where source_system = 'zendesk'

),

counted as (

    select * from tickets
    where not is_merged

),

joined as (

    select
        counted.ticket_id,
        counted.requester_id,
        counted.priority,
        counted.status,
        counted.subject,
        counted.created_at,
        counted.updated_at,
        counted.is_deleted,
        counted.loaded_at,
        coalesce(counted.organization_id, requesters.organization_id) as organization_id,
        requesters.external_id as requester_external_id,
        cast(
            coalesce(counted.organization_id, requesters.organization_id)
            as {{ dbt.type_string() }}
        ) as organization_key,
        ticket_facts.last_active_status,
        ticket_facts.satisfaction,
        ticket_facts.reopened_count,
        ticket_facts.first_reply_at,
        ticket_facts.solved_at
    from counted
    left join users as requesters
        on counted.requester_id = requesters.user_id
    left join ticket_facts
        on counted.ticket_id = ticket_facts.ticket_id

),

identified as (

    select
        joined.*,
        identity_map.source_account_id as mapped_organization_id,
        identity_map.crm_account_id,
        identity_map.match_status,
        identity_map.match_detail
    from joined
    left join identity_map
        on joined.organization_key = identity_map.source_account_id

),

mapped as (

    select
        *,
        case
            when priority in ('urgent', 'high', 'normal', 'low') then priority
            when priority is null then {{ default_priority_sql }}
        end as contract_priority,
        case
            when status = 'deleted' then coalesce(last_active_status, 'closed')
            else status
        end as zendesk_status
    from identified

),

statuses as (

    select
        *,
        case
            when zendesk_status in ('new', 'open', 'pending', 'solved', 'closed')
                then zendesk_status
            when zendesk_status = 'hold' then '{{ hold_status }}'
        end as contract_status
    from mapped

),

final as (

    select
        -- ids
        cast(ticket_id as {{ dbt.type_string() }}) as ticket_id,
        cast(crm_account_id as {{ dbt.type_string() }}) as account_id,
        cast({{ requester_sql }} as {{ dbt.type_string() }}) as requester_id,
        -- dimensions
        cast(contract_priority as {{ dbt.type_string() }}) as priority,
        cast(contract_status as {{ dbt.type_string() }}) as status,
        -- dates
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(first_reply_at as {{ dbt.type_timestamp() }}) as first_response_at,
        cast(
            case
                -- a solved ticket whose status history was not landed: its last change
                when contract_status in ('solved', 'closed') then coalesce(solved_at, updated_at)
            end as {{ dbt.type_timestamp() }}
        ) as solved_at,
        -- measures
        cast(coalesce(reopened_count, 0) as {{ dbt.type_bigint() }}) as reopened_count,
        cast(
            case
                when satisfaction like 'good%' then {{ var('zendesk_csat_good_score', 5) }}
                when satisfaction like 'bad%' then {{ var('zendesk_csat_bad_score', 1) }}
            end as {{ dbt.type_bigint() }}
        ) as csat_score,
        -- free text
        cast(subject as {{ dbt.type_string() }}) as subject,
        -- tenant
        cast({{ "'" ~ org_id ~ "'" if org_id else 'null' }} as {{ dbt.type_string() }}) as org_id,
        -- housekeeping
        cast(loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at,
        cast(is_deleted as {{ dbt.type_boolean() }}) as _is_deleted,
        cast(case
            when organization_id is null then 'unmatched_identity'
            when mapped_organization_id is null then 'unmatched_identity'
            when match_status = 'ambiguous' then 'ambiguous_identity'
            when match_status != 'matched' then 'unmatched_identity'
            when contract_priority is null and priority is not null then 'unknown_priority'
            when contract_status is null and zendesk_status is not null then 'unknown_status'
        end as {{ dbt.type_string() }}) as _mapping_issue,
        cast(case
            when organization_id is null
                then {{ dbt.concat([
                    "'zendesk ticket '", "cast(ticket_id as " ~ dbt.type_string() ~ ")",
                    "': no organization, on the ticket or its requester'",
                ]) }}
            when mapped_organization_id is null
                then {{ dbt.concat([
                    "'zendesk organization '", "cast(organization_id as " ~ dbt.type_string() ~ ")",
                    "' is not in the organization table'",
                ]) }}
            when match_status != 'matched' then match_detail
            when contract_priority is null and priority is not null
                then {{ dbt.concat([
                    "'zendesk priority '", 'priority', "' is not low, normal, high or urgent'",
                ]) }}
            when contract_status is null and zendesk_status is not null
                then {{ dbt.concat([
                    "'zendesk status '", 'zendesk_status',
                    "' is not new, open, pending, hold, solved, closed or deleted'",
                ]) }}
        end as {{ dbt.type_string() }}) as _mapping_detail
    from statuses

)

select * from final
