-- Every HubSpot row read, mapped onto a contract table or left out with the reason: one row per
-- (HubSpot table, contract table), for quarantine.connector_reconciliation. A mapped row goes
-- on to the base model (staged or quarantined there, see quarantine_reconciliation). The
-- tables read only for their attributes (owner, pipeline stages, associations, engagement) are
-- lookups, not rows of a contract table.
{{ config(enabled=shape_of('crm') == 'hubspot' or shape_of('support') == 'hubspot') }}
{%- set text = dbt.type_string() %}
{%- set completed_statuses = var('hubspot_completed_call_statuses', ['COMPLETED']) %}
{%- set engagement_id = dbt.split_part('activity_id', "':'", 1) %}
{#- (HubSpot table, contract table, rows read, rows mapped, rows left out, why) #}
{%- set counts = [] %}
{%- if shape_of('crm') == 'hubspot' %}
    {%- set deals = ref('stg_hubspot__deal_outcomes') %}
    {%- set engagements = ref('stg_hubspot__engagements') %}
    {%- set activities = ref('stg_hubspot__contract_activities') %}
    {%- do counts.append([
        'company', 'crm.accounts',
        'select count(*) from ' ~ ref('stg_hubspot__companies'),
        'select count(*) from ' ~ ref('stg_hubspot__contract_accounts'),
        'select 0', none,
    ]) %}
    {%- do counts.append([
        'contact', 'crm.contacts',
        'select count(*) from ' ~ ref('stg_hubspot__contacts'),
        'select count(*) from ' ~ ref('stg_hubspot__contract_contacts'),
        'select 0', none,
    ]) %}
    {%- do counts.append([
        'deal', 'crm.opportunities',
        'select count(*) from ' ~ deals,
        'select count(*) from ' ~ ref('stg_hubspot__contract_opportunities'),
        'select count(*) from ' ~ deals ~ " where deal_kind = 'new_business'",
        'new-business deals are no renewal or expansion opportunity',
    ]) %}
    {%- do counts.append([
        'deal', 'crm.contracts',
        'select count(*) from ' ~ deals,
        'select count(*) from ' ~ ref('stg_hubspot__contract_contracts'),
        'select count(*) from ' ~ deals
            ~ " where outcome is null or outcome != 'closed_won' or deal_kind = 'expansion'",
        'open and lost deals, and expansions, are no contract term',
    ]) %}
    {%- for type, table in [
        ('MEETING', 'engagement_meeting'), ('CALL', 'engagement_call'), ('EMAIL', 'engagement_email')
    ] %}
        {%- do counts.append([
            table, 'crm.activities',
            'select count(*) from ' ~ engagements ~ " where engagement_type = '" ~ type ~ "'",
            'select count(distinct ' ~ engagement_id ~ ') from ' ~ activities
                ~ " where activity_type = '" ~ (type | lower) ~ "'",
            ('select count(*) from ' ~ engagements
                ~ " where engagement_type = 'CALL' and call_status is not null and not ("
                ~ hubspot_in('call_status', completed_statuses) ~ ')')
                if type == 'CALL' else 'select 0',
            'calls not connected (no answer, busy, failed, ...) are no touchpoint'
                if type == 'CALL' else none,
        ]) %}
    {%- endfor %}
{%- endif %}
{%- if shape_of('support') == 'hubspot' %}
    {%- do counts.append([
        'ticket', 'support.tickets',
        'select count(*) from ' ~ ref('stg_hubspot__tickets'),
        'select count(*) from ' ~ ref('stg_hubspot__contract_tickets'),
        'select 0', none,
    ]) %}
{%- endif %}

with

counts as (

    {%- for table, contract_table, read, mapped, unused, reason in counts %}
        select
            '{{ table }}' as connector_table,
            '{{ contract_table }}' as contract_table,
            ({{ read }}) as connector_rows,
            ({{ mapped }}) as mapped_rows,
            ({{ unused }}) as unused_rows,
            {{ ("'" ~ reason ~ "'") if reason else 'null' }} as unused_reason
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

final as (

    select
        cast('hubspot' as {{ text }}) as connector,
        cast(connector_table as {{ text }}) as connector_table,
        cast(contract_table as {{ text }}) as contract_table,
        cast(connector_rows as {{ dbt.type_bigint() }}) as connector_rows,
        cast(mapped_rows as {{ dbt.type_bigint() }}) as mapped_rows,
        cast(unused_rows as {{ dbt.type_bigint() }}) as unused_rows,
        cast(unused_reason as {{ text }}) as unused_reason
    from counts

)

select * from final
