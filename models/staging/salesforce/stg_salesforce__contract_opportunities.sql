-- Salesforce opportunities as crm.opportunities (docs/connectors/salesforce.md): renewals and
-- expansions by type (var salesforce_opportunity_types; other types, such as new business, are
-- left out and counted by stg_salesforce__reconciliation). Stage from is_closed and is_won
-- (else the stage name). The previous ARR of a renewal comes from a custom field (var
-- salesforce_opportunity_previous_amount_column); without it the downgrade signal is missing.
-- The account id resolves from the 15-character form.
{%- set string = dbt.type_string() %}

with

opportunities as (

    select * from {{ ref('stg_salesforce__opportunity') }}
    where {{ salesforce_unused_reason('opportunity') }} is null

),

account_aliases as (

    {{ salesforce_id_aliases(ref('stg_salesforce__account'), 'account_id') }}

),

mapped as (

    select
        opportunities.*,
        {{ salesforce_resolved_id('opportunities.account_reference', 'account') }}
            as account_id,
        {{ salesforce_opportunity_kind('opportunities.opportunity_type') }} as opportunity_kind,
        {{ salesforce_opportunity_stage(
            'opportunities.is_closed', 'opportunities.is_won', 'opportunities.stage_name'
        ) }} as stage  -- noqa: RF04
    from opportunities
    {{ salesforce_join_id('account_aliases', 'opportunities.account_reference', 'account') }}

),

final as (

    select
        cast(opportunity_id as {{ string }}) as opportunity_id,
        cast(account_id as {{ string }}) as account_id,
        cast(opportunity_kind as {{ string }}) as opportunity_type,
        cast(stage as {{ string }}) as stage,  -- noqa: RF04
        cast(close_date as date) as close_date,
        cast(amount as {{ type_double() }}) as amount,
        cast(previous_amount as {{ type_double() }}) as previous_amount,
        cast(currency as {{ string }}) as currency,
        cast(null as {{ string }}) as org_id,
        loaded_at as _loaded_at,
        is_deleted as _is_deleted,
        cast(null as {{ string }}) as _mapping_issue,
        cast(null as {{ string }}) as _mapping_detail
    from mapped

)

select * from final
