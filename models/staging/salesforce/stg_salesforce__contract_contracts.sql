-- Salesforce contracts as crm.contracts (docs/connectors/salesforce.md). Status from the
-- contract's status picklist (var salesforce_contract_statuses; drafts, var
-- salesforce_contract_unused_statuses, are left out; an unknown status is sent to the
-- quarantine). The end date, when missing, from the start and the term in months; the renewal
-- date from a custom field (var salesforce_contract_renewal_date_column), else the day after
-- the end. The ARR from a custom field (var salesforce_contract_arr_column), else the sum of
-- the won opportunities linked to the contract (Opportunity.ContractId) in its currency.
{%- set string = dbt.type_string() %}

with

contracts as (

    select * from {{ ref('stg_salesforce__contract') }}
    where {{ salesforce_unused_reason('contract') }} is null

),

opportunities as (

    select * from {{ ref('stg_salesforce__opportunity') }}
    where not is_inactive_version

),

account_aliases as (

    {{ salesforce_id_aliases(ref('stg_salesforce__account'), 'account_id') }}

),

contract_aliases as (

    {{ salesforce_id_aliases(ref('stg_salesforce__contract'), 'contract_id') }}

),

current_opportunities as (

    -- the current version of each opportunity (history mode keeps every version)
    select *
    from (
        select
            *,
            row_number() over (
                partition by opportunity_id order by loaded_at desc nulls last
            ) as version_rank
        from opportunities
    ) as versions
    where version_rank = 1

),

linked_amounts as (

    select
        {{ salesforce_resolved_id('current_opportunities.contract_reference', 'contract') }}
            as contract_id,
        current_opportunities.currency,
        sum(current_opportunities.amount) as won_amount
    from current_opportunities
    {{ salesforce_join_id(
        'contract_aliases', 'current_opportunities.contract_reference', 'contract'
    ) }}
    where
        current_opportunities.contract_reference is not null
        and not current_opportunities.is_deleted
        and {{ salesforce_opportunity_stage(
            'current_opportunities.is_closed',
            'current_opportunities.is_won',
            'current_opportunities.stage_name'
        ) }} = 'closed_won'
    group by 1, 2

),

mapped as (

    select
        contracts.*,
        {{ salesforce_resolved_id('contracts.account_reference', 'account') }} as account_id,
        {{ salesforce_picklist('contracts.contract_status', var('salesforce_contract_statuses')) }}
            as status,
        coalesce(
            contracts.end_date,
            cast({{ dbt.dateadd(
                'day', -1,
                dbt.dateadd('month', 'contracts.contract_term_months', 'contracts.start_date')
            ) }} as date)
        ) as end_date_derived,
        linked_amounts.won_amount
    from contracts
    left join linked_amounts
        on
            contracts.contract_id = linked_amounts.contract_id
            and contracts.currency = linked_amounts.currency
    {{ salesforce_join_id('account_aliases', 'contracts.account_reference', 'account') }}

),

final as (

    select
        cast(contract_id as {{ string }}) as contract_id,
        cast(account_id as {{ string }}) as account_id,
        cast(start_date as date) as start_date,
        cast(end_date_derived as date) as end_date,
        cast(coalesce(
            renewal_date, {{ dbt.dateadd('day', 1, 'end_date_derived') }}
        ) as date) as renewal_date,
        cast(coalesce(arr_amount, won_amount) as {{ type_double() }}) as arr_amount,
        cast(currency as {{ string }}) as currency,
        cast(coalesce(status, contract_status) as {{ string }}) as status,
        cast(null as {{ string }}) as org_id,
        loaded_at as _loaded_at,
        is_deleted as _is_deleted,
        cast(case when status is null then 'unmappable_row' end as {{ string }})
            as _mapping_issue,
        cast(case
            when status is null
                then {{ dbt.concat([
                    "'contract status '", "coalesce(trim(contract_status), 'null')",
                    "' is in no list of var salesforce_contract_statuses'",
                ]) }}
        end as {{ string }}) as _mapping_detail
    from mapped

)

select * from final
