-- What the identity map (int_identity__account_map) needs of each Segment account (a group, or
-- with var segment_account_trait the value of that identify trait): one row per account and
-- domain (a null domain when it has none). Group traits come from the account's group calls,
-- each trait from the latest call that carries it (a product rarely resends every trait): the
-- name, the CRM id (var segment_crm_id_trait) and the website domain (var
-- segment_website_trait). The other domains are those of its users' latest email traits.

with

group_calls as (

    select
        group_id,
        group_name,
        crm_account_id,
        website_domain,
        occurred_at,
        loaded_at
    from {{ ref('stg_segment__groups') }}
    where group_id is not null and not is_deleted

),

memberships as (

    select distinct
        user_id,
        source_account_id
    from {{ ref('stg_segment__user_accounts') }}

),

emails as (

    select
        user_id,
        email_domain,
        row_number() over (
            partition by user_id
            order by occurred_at desc nulls last, loaded_at desc
        ) as recency_rank
    from {{ ref('stg_segment__identifies') }}
    where user_id is not null and email_domain is not null and not is_deleted

),

latest_group_name as (

    select
        group_id,
        group_name
    from (
        select
            group_id,
            group_name,
            row_number() over (
                partition by group_id
                order by occurred_at desc nulls last, loaded_at desc
            ) as recency_rank
        from group_calls
        where group_name is not null
    ) as carrying
    where recency_rank = 1

),

latest_crm_account_id as (

    select
        group_id,
        crm_account_id
    from (
        select
            group_id,
            crm_account_id,
            row_number() over (
                partition by group_id
                order by occurred_at desc nulls last, loaded_at desc
            ) as recency_rank
        from group_calls
        where crm_account_id is not null
    ) as carrying
    where recency_rank = 1

),

latest_website_domain as (

    select
        group_id,
        website_domain
    from (
        select
            group_id,
            website_domain,
            row_number() over (
                partition by group_id
                order by occurred_at desc nulls last, loaded_at desc
            ) as recency_rank
        from group_calls
        where website_domain is not null
    ) as carrying
    where recency_rank = 1

),

accounts as (

    select group_id as source_account_id from group_calls
    union
    select source_account_id from memberships

),

domains as (

    select
        group_id as source_account_id,
        website_domain as domain  -- noqa: RF04
    from latest_website_domain
    union
    select
        memberships.source_account_id,
        emails.email_domain as domain  -- noqa: RF04
    from memberships
    inner join emails
        on
            memberships.user_id = emails.user_id
            and emails.recency_rank = 1

),

final as (

    select
        -- ids
        cast('segment' as {{ dbt.type_string() }}) as source_system,
        accounts.source_account_id,
        latest_crm_account_id.crm_account_id as explicit_crm_id,
        -- Segment calls carry no tenant
        cast(null as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        latest_group_name.group_name as source_account_name,
        domains.domain,
        -- flags
        -- Segment deletes nothing
        false as is_deleted
    from accounts
    left join latest_group_name
        on accounts.source_account_id = latest_group_name.group_id
    left join latest_crm_account_id
        on accounts.source_account_id = latest_crm_account_id.group_id
    left join domains
        on accounts.source_account_id = domains.source_account_id

)

select * from final
