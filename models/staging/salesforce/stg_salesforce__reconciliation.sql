-- One row per (Salesforce table, contract table) read (connector_reconciliation): every row
-- of the table (every version in history mode, deleted rows included) is either mapped onto
-- the contract table, or left out on purpose with the reason (salesforce_unused_reason):
--     connector_rows = mapped_rows + unused_rows
-- Users are mapped when they name the CSM of an account.
{%- set string = dbt.type_string() %}

with

accounts as (

    select * from {{ ref('stg_salesforce__account') }}

),

users as (

    select * from {{ ref('stg_salesforce__user') }}

),

csm_users as (

    select distinct coalesce(csm_user_reference, owner_user_id) as user_id
    from accounts
    where not is_inactive_version

),

user_versions as (

    select
        users.*,
        csm_users.user_id as csm_user_id,
        row_number() over (
            partition by users.user_id order by users.loaded_at desc nulls last
        ) as version_rank
    from users
    left join csm_users
        on users.user_id = csm_users.user_id

),

classified as (

    select
        'account' as connector_table,
        'crm.accounts' as contract_table,
        {{ salesforce_unused_reason('account') }} as unused_reason
    from accounts

    union all

    select
        'user' as connector_table,
        'crm.accounts' as contract_table,
        case
            when is_inactive_version then 'inactive version (_fivetran_active = false)'
            when version_rank > 1 then 'older version of the user'
            when csm_user_id is null then 'owns no account: names no CSM'
            when is_deleted then 'removed at the source: names no CSM'
        end as unused_reason
    from user_versions

    union all

    select
        'contact' as connector_table,
        'crm.contacts' as contract_table,
        {{ salesforce_unused_reason('contact') }} as unused_reason
    from {{ ref('stg_salesforce__contact') }}

    union all

    select
        'task' as connector_table,
        'crm.activities' as contract_table,
        {{ salesforce_unused_reason('task') }} as unused_reason
    from {{ ref('stg_salesforce__task') }}

    union all

    select
        'event' as connector_table,
        'crm.activities' as contract_table,
        {{ salesforce_unused_reason('event') }} as unused_reason
    from {{ ref('stg_salesforce__event') }}

    union all

    select
        'opportunity' as connector_table,
        'crm.opportunities' as contract_table,
        {{ salesforce_unused_reason('opportunity') }} as unused_reason
    from {{ ref('stg_salesforce__opportunity') }}

    union all

    select
        'contract' as connector_table,
        'crm.contracts' as contract_table,
        {{ salesforce_unused_reason('contract') }} as unused_reason
    from {{ ref('stg_salesforce__contract') }}

),

by_reason as (

    select
        connector_table,
        contract_table,
        unused_reason,
        count(*) as row_count
    from classified
    group by 1, 2, 3

),

final as (

    select
        cast('salesforce' as {{ string }}) as connector,
        cast(connector_table as {{ string }}) as connector_table,
        cast(contract_table as {{ string }}) as contract_table,
        cast(sum(row_count) as {{ dbt.type_bigint() }}) as connector_rows,
        cast(
            sum(case when unused_reason is null then row_count else 0 end)
            as {{ dbt.type_bigint() }}
        ) as mapped_rows,
        cast(
            sum(case when unused_reason is not null then row_count else 0 end)
            as {{ dbt.type_bigint() }}
        ) as unused_rows,
        cast({{ dbt.listagg(
            "case when unused_reason is not null then "
            ~ dbt.concat(["unused_reason", "': '", "cast(row_count as " ~ string ~ ")"])
            ~ " end",
            "'; '",
            "order by unused_reason",
        ) }} as {{ string }}) as unused_reason
    from by_reason
    group by 1, 2, 3

)

select * from final
