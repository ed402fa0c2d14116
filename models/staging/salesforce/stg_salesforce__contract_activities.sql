-- Salesforce tasks and events as crm.activities (docs/connectors/salesforce.md).
-- Tasks: calls and emails by task_subtype, else type (var salesforce_activity_types),
-- completed when closed, dated when completed. To-dos and open tasks are left out
-- (stg_salesforce__reconciliation counts them).
-- Events: meetings unless their type says call or email, dated by their start. The outcome
-- comes from a custom field (var salesforce_meeting_outcome_column, values mapped by var
-- salesforce_meeting_outcomes); a meeting without one was held. Invitee copies of group
-- events (is_child) and series masters of recurring ones (is_recurrence) are left out, so that
-- each meeting counts once. A meeting that starts more than a day after the row was synced had
-- not happened yet: it is sent to the quarantine with the reason (a later sync brings it back).
-- The account is account_id (else what_id when it is an account), the contact who_id when it
-- is a contact (a lead is no contact); both resolve from the 15-character form.
{%- set string = dbt.type_string() %}
{%- set timestamp = dbt.type_timestamp() %}

with

tasks as (

    select * from {{ ref('stg_salesforce__task') }}
    where {{ salesforce_unused_reason('task') }} is null

),

events as (

    select * from {{ ref('stg_salesforce__event') }}
    where {{ salesforce_unused_reason('event') }} is null

),

account_aliases as (

    {{ salesforce_id_aliases(ref('stg_salesforce__account'), 'account_id') }}

),

contact_aliases as (

    {{ salesforce_id_aliases(ref('stg_salesforce__contact'), 'contact_id') }}

),

task_activities as (

    select
        task_id as activity_id,
        coalesce(
            account_reference,
            case when {{ salesforce_is_object('what_reference', '001') }} then what_reference end
        ) as account_reference,
        case
            when {{ salesforce_is_object('who_reference', '003') }} then who_reference
        end as contact_reference,
        {{ salesforce_activity_kind('task_subtype', 'task_type') }} as activity_type,
        cast(null as {{ string }}) as outcome_value,
        coalesce(completed_at, activity_at, created_at) as occurred_at,
        loaded_at,
        is_deleted
    from tasks

),

event_activities as (

    select
        event_id as activity_id,
        coalesce(
            account_reference,
            case when {{ salesforce_is_object('what_reference', '001') }} then what_reference end
        ) as account_reference,
        case
            when {{ salesforce_is_object('who_reference', '003') }} then who_reference
        end as contact_reference,
        coalesce(
            {{ salesforce_picklist('event_type', var('salesforce_activity_types')) }},
            'meeting'
        ) as activity_type,
        outcome_value,
        started_at as occurred_at,
        loaded_at,
        is_deleted
    from events

),

activities as (

    select * from task_activities
    union all
    select * from event_activities

),

mapped as (

    select
        activities.*,
        {{ salesforce_resolved_id('activities.account_reference', 'account') }} as account_id,
        {{ salesforce_resolved_id('activities.contact_reference', 'contact') }} as contact_id,
        case
            when activities.activity_type != 'meeting' then 'completed'
            when nullif(trim(activities.outcome_value), '') is null then 'held'
            else {{ salesforce_picklist(
                'activities.outcome_value', var('salesforce_meeting_outcomes')
            ) }}
        end as outcome,
        case
            when
                activities.activity_type = 'meeting'
                and activities.occurred_at > {{ dbt.dateadd('day', 1, 'activities.loaded_at') }}
                then 'not_happened_yet'
            when
                activities.activity_type = 'meeting'
                and nullif(trim(activities.outcome_value), '') is not null
                and {{ salesforce_picklist(
                    'activities.outcome_value', var('salesforce_meeting_outcomes')
                ) }} is null
                then 'unknown_outcome'
        end as issue
    from activities
    {{ salesforce_join_id('account_aliases', 'activities.account_reference', 'account') }}
    {{ salesforce_join_id('contact_aliases', 'activities.contact_reference', 'contact') }}

),

final as (

    select
        cast(activity_id as {{ string }}) as activity_id,
        cast(account_id as {{ string }}) as account_id,
        cast(contact_id as {{ string }}) as contact_id,
        cast(activity_type as {{ string }}) as activity_type,
        cast(coalesce(outcome, outcome_value) as {{ string }}) as outcome,
        cast(occurred_at as {{ timestamp }}) as occurred_at,
        cast(null as {{ string }}) as org_id,
        loaded_at as _loaded_at,
        is_deleted as _is_deleted,
        cast(case when issue is not null then 'unmappable_row' end as {{ string }})
            as _mapping_issue,
        cast(case
            when issue = 'not_happened_yet'
                then 'the meeting starts more than a day after the row was synced: not held yet'
            when issue = 'unknown_outcome'
                then {{ dbt.concat([
                    "'meeting outcome '", "trim(outcome_value)",
                    "' is in no list of var salesforce_meeting_outcomes'",
                ]) }}
        end as {{ string }}) as _mapping_detail
    from mapped

)

select * from final
