-- Every row of every Zendesk table read, accounted for (models/quarantine/
-- connector_reconciliation.sql): mapped onto support.tickets (a ticket row reaches the mapping
-- view; an organization, domain, user, status or CSAT change, or comment is read into one) or
-- left out on purpose, with the reason. connector_rows = mapped_rows + unused_rows.

with

ticket_source as (

    select * from {{ source('zendesk', 'ticket') }}

),

organization_source as (

    select * from {{ source('zendesk', 'organization') }}

),

domain_name_source as (

    select * from {{ source('zendesk', 'domain_name') }}

),

user_source as (

    select * from {{ source('zendesk', 'user') }}

),

field_history_source as (

    select * from {{ source('zendesk', 'ticket_field_history') }}

),

comment_source as (

    select * from {{ source('zendesk', 'ticket_comment') }}

),

tickets as (

    select * from {{ ref('stg_zendesk__tickets') }}

),

contract_tickets as (

    select * from {{ ref('stg_zendesk__contract_tickets') }}

),

organizations as (

    select * from {{ ref('stg_zendesk__organizations') }}

),

domain_names as (

    select * from {{ ref('stg_zendesk__domain_names') }}

),

users as (

    select * from {{ ref('stg_zendesk__users') }}

),

field_history as (

    select * from {{ ref('stg_zendesk__ticket_field_history') }}

),

comments as (

    select * from {{ ref('stg_zendesk__ticket_comments') }}

),

known_tickets as (

    select distinct ticket_id from tickets
    where not is_merged

),

field_history_read as (

    select
        coalesce(
            known_tickets.ticket_id is not null
            and field_history.field_name in ('status', 'satisfaction_score')
            and field_history.updated_at is not null
            and not field_history.is_deleted,
            false
        ) as is_read
    from field_history
    left join known_tickets
        on field_history.ticket_id = known_tickets.ticket_id

),

comments_read as (

    select
        coalesce(known_tickets.ticket_id is not null and not comments.is_deleted, false)
            as is_read
    from comments
    left join known_tickets
        on comments.ticket_id = known_tickets.ticket_id

),

counts as (

    select
        'ticket' as connector_table,
        (select count(*) from ticket_source) as connector_rows,
        (select count(*) from contract_tickets) as mapped_rows,
        (
            select count(*) from tickets
            where is_merged
        ) as unused_rows,
        'merged into another ticket (listed in its merged_ticket_ids): counted through it'
            as unused_reason
    union all
    select
        'organization' as connector_table,
        (select count(*) from organization_source) as connector_rows,
        (
            select count(*) from organizations
            where organization_id is not null
        ) as mapped_rows,
        (
            select count(*) from organizations
            where organization_id is null
        ) as unused_rows,
        'no id' as unused_reason
    union all
    select
        'domain_name' as connector_table,
        (select count(*) from domain_name_source) as connector_rows,
        (
            select count(*) from domain_names
            where
                organization_id is not null
                and domain is not null
                and not is_deleted
        ) as mapped_rows,
        (
            select count(*) from domain_names
            where organization_id is null or domain is null or is_deleted
        ) as unused_rows,
        'no organization, an empty domain, or deleted' as unused_reason
    union all
    select
        'user' as connector_table,
        (select count(*) from user_source) as connector_rows,
        (
            select count(*) from users
            where user_id is not null
        ) as mapped_rows,
        (
            select count(*) from users
            where user_id is null
        ) as unused_rows,
        'no id' as unused_reason
    union all
    select
        'ticket_field_history' as connector_table,
        (select count(*) from field_history_source) as connector_rows,
        (
            select count(*) from field_history_read
            where is_read
        ) as mapped_rows,
        (
            select count(*) from field_history_read
            where not is_read
        ) as unused_rows,
        'changes of other fields (priority, assignee_id, ...: not read), undated, deleted, or of a merged ticket or one not in the ticket table'  -- noqa: LT05
            as unused_reason
    union all
    select
        'ticket_comment' as connector_table,
        (select count(*) from comment_source) as connector_rows,
        (
            select count(*) from comments_read
            where is_read
        ) as mapped_rows,
        (
            select count(*) from comments_read
            where not is_read
        ) as unused_rows,
        'deleted, or of a merged ticket or one not in the ticket table' as unused_reason

),

final as (

    select
        cast('zendesk' as {{ dbt.type_string() }}) as connector,
        cast(connector_table as {{ dbt.type_string() }}) as connector_table,
        cast('support.tickets' as {{ dbt.type_string() }}) as contract_table,
        cast(connector_rows as {{ dbt.type_bigint() }}) as connector_rows,
        cast(mapped_rows as {{ dbt.type_bigint() }}) as mapped_rows,
        cast(unused_rows as {{ dbt.type_bigint() }}) as unused_rows,
        cast(
            case when unused_rows > 0 then unused_reason end
            as {{ dbt.type_string() }}
        ) as unused_reason
    from counts

)

select * from final
