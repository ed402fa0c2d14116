-- A user's account over time: one row per user and membership start, from its group calls
-- (groups.group_id; var segment_account_trait set: from that identify trait instead), with the
-- start of the next membership. An event belongs to the membership in force at its time (the
-- latest call before it), and an event older than every call to the user's first membership.
-- A call without a user id reaches its user through the anonymous id it was sent with. Two
-- calls of one user at the same instant naming different accounts keep the greater id.
{%- set account_trait = var('segment_account_trait', none) %}
{%- set calls_model = 'stg_segment__identifies' if account_trait else 'stg_segment__groups' %}
{%- set account_column = 'account_trait_id' if account_trait else 'group_id' %}
-- depends_on: {{ ref('stg_segment__groups') }}
-- depends_on: {{ ref('stg_segment__identifies') }}

with

calls as (

    select
        user_id,
        anonymous_id,
        {{ account_column }} as source_account_id,
        occurred_at
    from {{ ref(calls_model) }}
    where {{ account_column }} is not null and not is_deleted

),

anonymous_ids as (

    select * from {{ ref('stg_segment__anonymous_ids') }}

),

resolved as (

    select
        coalesce(calls.user_id, anonymous_ids.user_id) as user_id,
        calls.source_account_id,
        calls.occurred_at
    from calls
    left join anonymous_ids
        on
            calls.user_id is null
            and calls.anonymous_id = anonymous_ids.anonymous_id

),

starts as (

    select
        user_id,
        occurred_at as member_from,
        max(source_account_id) as source_account_id,
        count(*) as calls
    from resolved
    where user_id is not null and occurred_at is not null
    group by 1, 2

),

final as (

    select
        -- ids
        user_id,
        source_account_id,
        -- measures
        calls,
        -- flags
        row_number() over (partition by user_id order by member_from) = 1 as is_first_membership,
        -- dates
        member_from,
        lead(member_from) over (partition by user_id order by member_from) as member_until
    from starts

)

select * from final
