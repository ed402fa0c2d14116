{#- The contract values of Salesforce picklists and flags, over the columns of the staging
    models (stg_salesforce__*), shared by the mapping views and the reconciliation. -#}

{#- meeting, call or email from a task's subtype or type, or an event's type
    (var salesforce_activity_types); null when neither maps. -#}
{% macro salesforce_activity_kind(subtype, activity_type) -%}
    {%- set kinds = var('salesforce_activity_types') -%}
    coalesce(
        {{ salesforce_picklist(subtype, kinds) }},
        {{ salesforce_picklist(activity_type, kinds) }}
    )
{%- endmacro %}

{#- renewal or expansion from the opportunity's type (var salesforce_opportunity_types);
    var salesforce_opportunity_default_type for an opportunity without a type; null otherwise. -#}
{% macro salesforce_opportunity_kind(opportunity_type) -%}
    {%- set default = var('salesforce_opportunity_default_type', none) -%}
    coalesce(
        {{ salesforce_picklist(opportunity_type, var('salesforce_opportunity_types')) }},
        case
            when nullif(trim({{ opportunity_type }}), '') is null
                then {{ "'" ~ default ~ "'" if default else 'null' }}
        end
    )
{%- endmacro %}

{#- open, closed_won or closed_lost: Salesforce's is_closed and is_won, or, where the export
    lacks them, the stage name (vars salesforce_opportunity_won_stages and
    salesforce_opportunity_lost_stages). -#}
{% macro salesforce_opportunity_stage(is_closed, is_won, stage_name) -%}
    {%- set won = var('salesforce_opportunity_won_stages') -%}
    {%- set lost = var('salesforce_opportunity_lost_stages') -%}
    case
        when
            coalesce({{ is_closed }}, {{ salesforce_in_picklist(stage_name, won + lost) }})
            and coalesce({{ is_won }}, {{ salesforce_in_picklist(stage_name, won) }})
            then 'closed_won'
        when coalesce({{ is_closed }}, {{ salesforce_in_picklist(stage_name, won + lost) }})
            then 'closed_lost'
        else 'open'
    end
{%- endmacro %}

{#- Why a connector row is not mapped onto the contract (null when it is), by object, over the
    columns of its staging model. The reconciliation counts the same reasons. -#}
{% macro salesforce_unused_reason(object) -%}
    {%- set inactive = "'inactive version (_fivetran_active = false)'" -%}
    case
        when is_inactive_version then {{ inactive }}
    {%- if object == 'task' %}
        when {{ salesforce_activity_kind('task_subtype', 'task_type') }} is null
            then 'not a call, email or meeting (a to-do): not a touchpoint'
        when not coalesce(is_closed, true) then 'open task: not done yet'
    {%- elif object == 'event' %}
        when is_child then 'invitee copy of a group event: counted once, through its parent'
        when is_recurrence
            then 'series master of a recurring event: each occurrence is an event of its own'
    {%- elif object == 'opportunity' %}
        when {{ salesforce_opportunity_kind('opportunity_type') }} is null
            then 'type is neither a renewal nor an expansion (var salesforce_opportunity_types)'
    {%- elif object == 'contract' %}
        when {{ salesforce_in_picklist('contract_status', var('salesforce_contract_unused_statuses')) }}
            then 'not signed yet (var salesforce_contract_unused_statuses)'
    {%- endif %}
    end
{%- endmacro %}
