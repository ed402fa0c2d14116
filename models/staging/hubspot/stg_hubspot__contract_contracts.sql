-- HubSpot closed-won deals as crm.contracts: HubSpot has no contract object, so each won deal
-- that is not an expansion (new business or a renewal) is a contract term, in the contract's
-- columns, for base_crm__contracts. The term starts on the close date and runs until the custom
-- end-date property (var hubspot_contract_end_date_property), else for
-- var hubspot_contract_term_months; it renews on the renewal-date property (var
-- hubspot_renewal_date_property), else the day after its end. Its ARR is the deal amount. The
-- status comes from the company's deals that follow (deleted ones left out), within var
-- hubspot_renewal_grace_days of the renewal date: renewed when another term starts by then;
-- else churned when a renewal deal closed lost after the term started; else expired when a
-- later term started after that; else active (a term that lapsed with nothing after it reads
-- active: its end date still ends its coverage).
{{ config(enabled=shape_of('crm') == 'hubspot') }}
{%- set term_months = var('hubspot_contract_term_months', 12) %}
{%- set grace_days = var('hubspot_renewal_grace_days', 30) %}
{%- set default_end = dbt.dateadd(
    'day', -1, 'cast(' ~ dbt.dateadd('month', term_months, 'close_date') ~ ' as date)'
) %}
{%- set text = dbt.type_string() %}

with

deals as (

    select * from {{ ref('stg_hubspot__deal_outcomes') }}

),

terms as (

    select
        deal_id,
        company_id,
        close_date as start_date,
        coalesce(contract_end_date, cast({{ default_end }} as date)) as end_date,
        renewal_date as renewal_date_property,
        amount,
        currency,
        mapping_issue,
        mapping_detail,
        is_deleted,
        loaded_at
    from deals
    where outcome = 'closed_won' and deal_kind in ('new_business', 'renewal')

),

dated as (

    select
        *,
        coalesce(
            renewal_date_property,
            cast({{ dbt.dateadd('day', 1, 'end_date') }} as date)
        ) as renewal_date
    from terms

),

windows as (

    select
        *,
        cast({{ dbt.dateadd('day', grace_days, 'renewal_date') }} as date) as renewal_deadline
    from dated

),

later_terms as (

    select
        windows.deal_id,
        max(case when later.start_date <= windows.renewal_deadline then 1 else 0 end) as is_renewed,
        count(*) as later_count
    from windows
    inner join windows as later
        on
            windows.company_id = later.company_id
            and windows.deal_id != later.deal_id
            and later.start_date > windows.start_date
            and not later.is_deleted
    group by 1

),

lost_renewals as (

    select
        windows.deal_id,
        count(*) as lost_count
    from windows
    inner join deals as lost
        on
            windows.company_id = lost.company_id
            and lost.deal_kind = 'renewal'
            and lost.outcome = 'closed_lost'
            and not lost.is_deleted
            and lost.close_date > windows.start_date
            and lost.close_date <= windows.renewal_deadline
    group by 1

),

final as (

    select
        cast(windows.deal_id as {{ text }}) as contract_id,
        cast(windows.company_id as {{ text }}) as account_id,
        windows.start_date,
        windows.end_date,
        windows.renewal_date,
        cast(windows.amount as {{ type_double() }}) as arr_amount,
        cast(windows.currency as {{ text }}) as currency,
        cast(case
            when later_terms.is_renewed = 1 then 'renewed'
            when lost_renewals.lost_count > 0 then 'churned'
            when later_terms.later_count > 0 then 'expired'
            else 'active'
        end as {{ text }}) as status,
        cast(null as {{ text }}) as org_id,
        windows.loaded_at as _loaded_at,
        windows.is_deleted as _is_deleted,
        cast(windows.mapping_issue as {{ text }}) as _mapping_issue,
        cast(windows.mapping_detail as {{ text }}) as _mapping_detail
    from windows
    left join later_terms
        on windows.deal_id = later_terms.deal_id
    left join lost_renewals
        on windows.deal_id = lost_renewals.deal_id

)

select * from final
