-- One row per account, user and day with any product event: the grain every usage factor
-- reads, much smaller than the raw events.

with

events as (
    select * from {{ ref('stg_product__events') }}
    where not is_deleted
),

features as (
    select * from {{ ref('stg_product__features') }}
),

final as (
    select
        events.account_id,
        events.user_id,
        events.event_date,
        count(*) as events,
        count(distinct case when features.is_key_feature then events.feature_key end)
            as key_features_used
    from events
    left join features
        on events.feature_key = features.feature_key
    group by 1, 2, 3
)

select * from final
