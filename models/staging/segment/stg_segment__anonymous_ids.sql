-- One row per anonymous id that an identify call linked to a user: the user of its latest such
-- call (a shared device identified by several users is attributed to the last). Events sent
-- before identification (user_id null) reach their user, and so an account, through it.

with

identifies as (

    select
        anonymous_id,
        user_id,
        occurred_at,
        loaded_at
    from {{ ref('stg_segment__identifies') }}
    where anonymous_id is not null and user_id is not null and not is_deleted

),

ranked as (

    select
        *,
        row_number() over (
            partition by anonymous_id
            order by occurred_at desc nulls last, loaded_at desc, user_id desc
        ) as recency_rank
    from identifies

),

-- count(distinct) is no window function on every engine
users_per_id as (

    select
        anonymous_id,
        count(distinct user_id) as users_identified
    from identifies
    group by 1

),

final as (

    select
        -- ids
        ranked.anonymous_id,
        ranked.user_id,
        -- measures
        users_per_id.users_identified,
        -- dates
        ranked.occurred_at as identified_at
    from ranked
    inner join users_per_id
        on ranked.anonymous_id = users_per_id.anonymous_id
    where ranked.recency_rank = 1

)

select * from final
