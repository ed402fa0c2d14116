-- One row per HubSpot deal with what the contract needs to know of it: its company (the
-- primary deal_company association, var hubspot_primary_company_type_ids; else the only company
-- linked), its outcome (the current stage in deal_pipeline_stage: closed_won when won,
-- closed_lost when closed and not won, else open; HubSpot's default closedwon / closedlost ids
-- when the stage table lacks the stage) and its kind (renewal or expansion by deal type, vars
-- hubspot_renewal_deal_types / hubspot_expansion_deal_types, a deal in a renewal pipeline is a
-- renewal, var hubspot_renewal_pipeline_ids; any other deal is new business). Read by
-- stg_hubspot__contract_opportunities and stg_hubspot__contract_contracts.
{{ config(enabled=shape_of('crm') == 'hubspot') }}
{%- set text = dbt.type_string() %}
{%- set primary_types = var('hubspot_primary_company_type_ids', [5]) %}
{%- set is_primary = hubspot_in('cast(type_id as ' ~ text ~ ')', primary_types) %}
{%- set renewal_types = var('hubspot_renewal_deal_types', ['existingbusiness', 'renewal']) %}
{%- set expansion_types = var(
    'hubspot_expansion_deal_types', ['upsell', 'expansion', 'cross_sell']
) %}
{%- set renewal_pipelines = var('hubspot_renewal_pipeline_ids', []) %}
{%- set deal_text = 'cast(deal_id as ' ~ text ~ ')' %}

with

deals as (

    select * from {{ ref('stg_hubspot__deals') }}

),

deal_companies as (

    select * from {{ ref('stg_hubspot__deal_companies') }}
    where not is_deleted

),

stages as (

    select * from {{ ref('stg_hubspot__deal_stages') }}

),

companies as (

    select
        deal_id,
        count(distinct company_id) as company_count,
        min(company_id) as any_company_id,
        count(distinct case when {{ is_primary }} then company_id end) as primary_count,
        min(case when {{ is_primary }} then company_id end) as primary_company_id
    from deal_companies
    group by 1

),

resolved as (

    select
        deals.*,
        coalesce(companies.company_count, 0) as company_count,
        case
            when companies.primary_count = 1 then companies.primary_company_id
            when companies.primary_count = 0 and companies.company_count = 1
                then companies.any_company_id
        end as company_id,
        case
            when stages.is_closed_won then 'closed_won'
            when stages.is_closed then 'closed_lost'
            when stages.stage_id is not null then 'open'
            when lower(deals.stage_id) = 'closedwon' then 'closed_won'
            when lower(deals.stage_id) = 'closedlost' then 'closed_lost'
        end as outcome,
        case
            when {{ hubspot_in('deals.deal_type', renewal_types) }} then 'renewal'
            when {{ hubspot_in('deals.deal_type', expansion_types) }} then 'expansion'
            when {{ hubspot_in('deals.pipeline_id', renewal_pipelines) }} then 'renewal'
            else 'new_business'
        end as deal_kind
    from deals
    left join companies
        on deals.deal_id = companies.deal_id
    left join stages
        on deals.stage_id = stages.stage_id

),

final as (

    select
        -- ids
        deal_id,
        company_id,
        -- dimensions
        deal_kind,
        outcome,
        coalesce(currency_code, upper('{{ var("hubspot_currency", "USD") }}')) as currency,
        -- measures
        amount,
        previous_amount,
        -- dates
        cast(closed_at as date) as close_date,
        contract_end_date,
        renewal_date,
        -- why the deal cannot be mapped, if it cannot
        case
            when company_count = 0 then 'no_company_association'
            when company_id is null then 'ambiguous_company'
            when outcome is null then 'unknown_deal_stage'
        end as mapping_issue,
        case
            when company_count = 0
                then {{ dbt.concat(["'deal '", deal_text, "' has no deal_company row'"]) }}
            when company_id is null
                then {{ dbt.concat([
                    "'deal '", 'cast(deal_id as ' ~ text ~ ')', "' is linked to '",
                    'cast(company_count as ' ~ text ~ ')',
                    "' companies, none of them (or several) as primary'"
                ]) }}
            when outcome is null
                then {{ dbt.concat([
                    "'deal '", 'cast(deal_id as ' ~ text ~ ')', "' is in stage '",
                    "coalesce(stage_id, 'none')", "', which deal_pipeline_stage does not list'"
                ]) }}
        end as mapping_detail,
        -- housekeeping
        is_deleted,
        loaded_at
    from resolved

)

select * from final
