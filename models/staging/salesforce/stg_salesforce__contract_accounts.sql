-- Salesforce accounts as crm.accounts (docs/connectors/salesforce.md): the account id is the
-- 18-character Salesforce id; a parent written in the 15-character form resolves to it. The
-- segment comes from a custom field (var salesforce_account_segment_column, values mapped by
-- var salesforce_account_segments), else from the employee count; the status from the account
-- type (var salesforce_account_statuses); the CSM is the user named by a custom lookup (var
-- salesforce_account_csm_column) or the account owner. A merged-away account (master_record_id)
-- is deleted. An unknown segment value is sent to the quarantine with the reason.
{%- set string = dbt.type_string() %}

with

accounts as (

    select * from {{ ref('stg_salesforce__account') }}
    where not is_inactive_version

),

users as (

    select * from {{ ref('stg_salesforce__user') }}
    where not is_inactive_version

),

account_aliases as (

    {{ salesforce_id_aliases(ref('stg_salesforce__account'), 'account_id') }}

),

current_users as (

    select
        user_id,
        user_name,
        is_deleted
    from (
        select
            user_id,
            user_name,
            is_deleted,
            row_number() over (
                partition by user_id order by loaded_at desc nulls last
            ) as version_rank
        from users
    ) as versions
    where version_rank = 1

),

mapped as (

    select
        accounts.*,
        {{ salesforce_resolved_id('accounts.parent_reference', 'parent') }} as parent_account_id,
        case when not csm.is_deleted then trim(csm.user_name) end as owner_csm,
        {{ salesforce_picklist('accounts.segment_value', var('salesforce_account_segments')) }}
            as segment_mapped,
        case
            when accounts.number_of_employees >= {{ var('salesforce_enterprise_min_employees') }}
                then 'enterprise'
            when accounts.number_of_employees >= {{ var('salesforce_mid_market_min_employees') }}
                then 'mid_market'
            when accounts.number_of_employees >= 0 then 'smb'
        end as segment_from_employees,
        {{ salesforce_picklist('accounts.account_type', var('salesforce_account_statuses')) }}
            as account_status
    from accounts
    left join current_users as csm
        on coalesce(accounts.csm_user_reference, accounts.owner_user_id) = csm.user_id
    {{ salesforce_join_id('account_aliases', 'accounts.parent_reference', 'parent') }}

),

final as (

    select
        cast(account_id as {{ string }}) as account_id,
        cast(account_name as {{ string }}) as account_name,
        cast(case
            when nullif(trim(segment_value), '') is null then segment_from_employees
            else coalesce(segment_mapped, segment_value)
        end as {{ string }}) as segment,
        cast(industry as {{ string }}) as industry,
        cast(region_value as {{ string }}) as region,
        cast(owner_csm as {{ string }}) as owner_csm,
        cast(parent_account_id as {{ string }}) as parent_account_id,
        cast(created_at as date) as created_date,
        cast(account_status as {{ string }}) as account_status,
        cast(churn_date as date) as churn_date,
        cast(website as {{ string }}) as website,
        cast(null as {{ string }}) as org_id,
        loaded_at as _loaded_at,
        (is_deleted or master_record_id is not null) as _is_deleted,
        cast(case
            when nullif(trim(segment_value), '') is not null and segment_mapped is null
                then 'unmappable_row'
        end as {{ string }}) as _mapping_issue,
        cast(case
            when nullif(trim(segment_value), '') is not null and segment_mapped is null
                then {{ dbt.concat([
                    "'segment '", "trim(segment_value)",
                    "' is in no list of var salesforce_account_segments'",
                ]) }}
        end as {{ string }}) as _mapping_detail
    from mapped

)

select * from final
