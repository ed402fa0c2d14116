-- What the identity map (int_identity__account_map) needs of each Pendo account: one row per
-- account and email domain (a null domain when none of its visitors has one). The explicit id
-- is the column var pendo_crm_id_column names (the Pendo account id itself by default, for a
-- product that sends its CRM id with the snippet); the domains are those of the emails of the
-- account's current visitors (var pendo_visitor_email_column). Accounts named only by visitors
-- are listed too, so that their events reach the quarantine with the identity's reason.

with

accounts as (

    select
        account_id,
        crm_account_id,
        account_name,
        is_deleted
    from {{ ref('stg_pendo__account_history') }}
    where is_current_version and account_id is not null

),

visitors as (

    select
        visitor_id,
        account_id,
        email_domain
    from {{ ref('stg_pendo__visitor_history') }}
    where is_current_version and not is_deleted

),

visitor_accounts as (

    select
        visitor_id,
        account_id
    from {{ ref('stg_pendo__visitor_account_history') }}
    where is_current_version and not is_deleted

),

-- a visitor's accounts: the one on its current version and its current account links
visitor_links as (

    select
        visitor_id,
        account_id
    from visitors
    where account_id is not null
    union
    select
        visitor_id,
        account_id
    from visitor_accounts
    where account_id is not null

),

account_domains as (

    select distinct
        visitor_links.account_id,
        visitors.email_domain as domain  -- noqa: RF04
    from visitor_links
    inner join visitors
        on visitor_links.visitor_id = visitors.visitor_id
    where visitors.email_domain is not null

),

known_accounts as (

    select account_id from accounts
    union
    select account_id from visitor_links

),

final as (

    select
        -- ids
        cast('pendo' as {{ dbt.type_string() }}) as source_system,
        known_accounts.account_id as source_account_id,
        accounts.crm_account_id as explicit_crm_id,
        -- Pendo rows carry no tenant
        cast(null as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        accounts.account_name as source_account_name,
        account_domains.domain,
        -- flags
        coalesce(accounts.is_deleted, false) as is_deleted
    from known_accounts
    left join accounts
        on known_accounts.account_id = accounts.account_id
    left join account_domains
        on known_accounts.account_id = account_domains.account_id

)

select * from final
