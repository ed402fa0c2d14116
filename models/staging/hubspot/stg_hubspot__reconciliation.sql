-- Every HubSpot row read, mapped onto a contract table or left out with the reason: one row per
-- (HubSpot table, contract table), for quarantine.connector_reconciliation. A mapped row goes
-- on to the base model (staged or quarantined there, see quarantine_reconciliation). The
-- tables read only for their attributes (owner, pipeline stages, associations, engagement) are
-- lookups, not rows of a contract table.
{{ config(enabled=shape_of('crm') == 'hubspot' or shape_of('support') == 'hubspot') }}
{%- set crm = shape_of('crm') == 'hubspot' %}
{%- set support = shape_of('support') == 'hubspot' %}
{%- set text = dbt.type_string() %}
{%- set bigint = dbt.type_bigint() %}
{%- set engagement_id = dbt.split_part('activity_id', "':'", 1) %}

with

{%- if crm %}

companies as (
    select * from {{ ref('stg_hubspot__companies') }}
),

accounts as (
    select * from {{ ref('stg_hubspot__contract_accounts') }}
),

contacts as (
    select * from {{ ref('stg_hubspot__contacts') }}
),

contract_contacts as (
    select * from {{ ref('stg_hubspot__contract_contacts') }}
),

deals as (
    select * from {{ ref('stg_hubspot__deal_outcomes') }}
),

opportunities as (
    select * from {{ ref('stg_hubspot__contract_opportunities') }}
),

contracts as (
    select * from {{ ref('stg_hubspot__contract_contracts') }}
),

engagements as (
    select * from {{ ref('stg_hubspot__engagements') }}
),

activities as (
    select * from {{ ref('stg_hubspot__contract_activities') }}
),

{%- endif %}
{%- if support %}

tickets as (
    select * from {{ ref('stg_hubspot__tickets') }}
),

contract_tickets as (
    select * from {{ ref('stg_hubspot__contract_tickets') }}
),

{%- endif %}

counts as (

    {%- if crm %}
    select
        'company' as connector_table,
        'crm.accounts' as contract_table,
        (select count(*) from companies) as connector_rows,
        (select count(*) from accounts) as mapped_rows,
        0 as unused_rows,
        cast(null as {{ text }}) as unused_reason
    union all
    select
        'contact' as connector_table,
        'crm.contacts' as contract_table,
        (select count(*) from contacts) as connector_rows,
        (select count(*) from contract_contacts) as mapped_rows,
        0 as unused_rows,
        cast(null as {{ text }}) as unused_reason
    union all
    select
        'deal' as connector_table,
        'crm.opportunities' as contract_table,
        (select count(*) from deals) as connector_rows,
        (select count(*) from opportunities) as mapped_rows,
        (select count(*) from deals where deal_kind = 'new_business') as unused_rows,
        'new-business deals are no renewal or expansion opportunity' as unused_reason
    union all
    select
        'deal' as connector_table,
        'crm.contracts' as contract_table,
        (select count(*) from deals) as connector_rows,
        (select count(*) from contracts) as mapped_rows,
        (
            select count(*) from deals
            where
                outcome is null
                or outcome != 'closed_won'
                or deal_kind = 'expansion'
        ) as unused_rows,
        'open and lost deals, and expansions, are no contract term' as unused_reason
    {%- for type, table in [('MEETING', 'engagement_meeting'), ('CALL', 'engagement_call'), ('EMAIL', 'engagement_email')] %}
    union all
    select
        '{{ table }}' as connector_table,
        'crm.activities' as contract_table,
        (select count(*) from engagements where engagement_type = '{{ type }}') as connector_rows,
        (
            select count(distinct {{ engagement_id }}) from activities
            where activity_type = '{{ type | lower }}'
        ) as mapped_rows,
        {%- if type == 'CALL' %}
        (
            select count(*) from engagements
            where
                engagement_type = 'CALL'
                and call_status is not null
                and not ({{ hubspot_in('call_status', var('hubspot_completed_call_statuses', ['COMPLETED'])) }})
        ) as unused_rows,
        'calls not connected (no answer, busy, failed, ...) are no touchpoint' as unused_reason
        {%- else %}
        0 as unused_rows,
        cast(null as {{ text }}) as unused_reason
        {%- endif %}
    {%- endfor %}
    {%- endif %}
    {%- if crm and support %}
    union all
    {%- endif %}
    {%- if support %}
    select
        'ticket' as connector_table,
        'support.tickets' as contract_table,
        (select count(*) from tickets) as connector_rows,
        (select count(*) from contract_tickets) as mapped_rows,
        0 as unused_rows,
        cast(null as {{ text }}) as unused_reason
    {%- endif %}

),

final as (

    select
        cast('hubspot' as {{ text }}) as connector,
        cast(connector_table as {{ text }}) as connector_table,
        cast(contract_table as {{ text }}) as contract_table,
        cast(connector_rows as {{ bigint }}) as connector_rows,
        cast(mapped_rows as {{ bigint }}) as mapped_rows,
        cast(unused_rows as {{ bigint }}) as unused_rows,
        cast(unused_reason as {{ text }}) as unused_reason
    from counts

)

select * from final
