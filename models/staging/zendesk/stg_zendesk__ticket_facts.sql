-- What Zendesk keeps outside the ticket row, one row per ticket (docs/connectors/zendesk.md):
--   - status history (ticket_field_history, field_name = status): reopens are changes from
--     solved or closed back to an unsolved status; solved_at is when the ticket's last run of
--     solved/closed began; the last status before a deletion;
--   - CSAT: the latest satisfaction_score value (good, bad, offered, unoffered; a rating can
--     flip, the latest wins);
--   - first reply: the first public comment by an agent after the ticket was created. An agent
--     is a user whose role is in var zendesk_agent_roles, the ticket's assignee, or a
--     deactivated user with no organization who is not the requester (a deactivated agent's
--     role turns back into end-user). Internal notes and deleted comments do not count.
{%- set agent_roles = var('zendesk_agent_roles', ['agent', 'admin']) %}
{%- set agent_role_list = "'" ~ agent_roles | join("', '") ~ "'" %}

with

tickets as (

    select * from {{ ref('stg_zendesk__tickets') }}

),

field_history as (

    select * from {{ ref('stg_zendesk__ticket_field_history') }}

),

comments as (

    select * from {{ ref('stg_zendesk__ticket_comments') }}

),

users as (

    select * from {{ ref('stg_zendesk__users') }}

),

status_changes as (

    select
        ticket_id,
        field_value as status,
        updated_at,
        lag(field_value) over (
            partition by ticket_id order by updated_at
        ) as previous_status
    from field_history
    where
        field_name = 'status'
        and not is_deleted
        and ticket_id is not null
        and updated_at is not null

),

status_summary as (

    select
        ticket_id,
        sum(case
            when
                status in ('new', 'open', 'pending', 'hold')
                and previous_status in ('solved', 'closed')
                then 1
            else 0
        end) as reopened_count,
        max(case
            when status not in ('solved', 'closed', 'deleted') then updated_at
        end) as last_unsolved_at,
        max(case when status != 'deleted' then updated_at end) as last_active_at
    from status_changes
    group by 1

),

status_facts as (

    select
        status_summary.ticket_id,
        status_summary.reopened_count,
        min(case
            when
                status_changes.status in ('solved', 'closed')
                and (
                    status_summary.last_unsolved_at is null
                    or status_changes.updated_at > status_summary.last_unsolved_at
                )
                then status_changes.updated_at
        end) as solved_at,
        max(case
            when status_changes.updated_at = status_summary.last_active_at
                then status_changes.status
        end) as last_active_status
    from status_summary
    inner join status_changes
        on status_summary.ticket_id = status_changes.ticket_id
    group by 1, 2

),

satisfaction_ranked as (

    select
        ticket_id,
        field_value as satisfaction,
        row_number() over (
            partition by ticket_id order by updated_at desc
        ) as recency
    from field_history
    where
        field_name = 'satisfaction_score'
        and not is_deleted
        and ticket_id is not null

),

satisfaction as (

    select
        ticket_id,
        satisfaction
    from satisfaction_ranked
    where recency = 1

),

agent_comments as (

    select
        comments.ticket_id,
        comments.created_at
    from comments
    inner join tickets
        on comments.ticket_id = tickets.ticket_id
    left join users
        on comments.author_id = users.user_id
    where
        comments.is_public
        and not comments.is_deleted
        and comments.created_at > tickets.created_at
        and (
            users.user_role in ({{ agent_role_list }})
            or comments.author_id = tickets.assignee_id
            or (
                not coalesce(users.is_active, true)
                and users.organization_id is null
                and comments.author_id != coalesce(tickets.requester_id, -1)
            )
        )

),

first_replies as (

    select
        ticket_id,
        min(created_at) as first_reply_at
    from agent_comments
    group by 1

),

final as (

    select
        -- ids
        tickets.ticket_id,
        -- dimensions
        status_facts.last_active_status,
        satisfaction.satisfaction,
        -- measures
        coalesce(status_facts.reopened_count, 0) as reopened_count,
        -- dates
        first_replies.first_reply_at,
        status_facts.solved_at
    from tickets
    left join status_facts
        on tickets.ticket_id = status_facts.ticket_id
    left join satisfaction
        on tickets.ticket_id = satisfaction.ticket_id
    left join first_replies
        on tickets.ticket_id = first_replies.ticket_id

)

select * from final
