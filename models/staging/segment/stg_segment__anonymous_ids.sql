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
        ) as recency_rank,
        count(distinct user_id) over (partition by anonymous_id) as users_identified
    from identifies

),

final as (

    select
        -- ids
        anonymous_id,
        user_id,
        -- measures
        users_identified,
        -- dates
        occurred_at as identified_at
    from ranked
    where recency_rank = 1

)

select * from final
