-- One row per account, day and key feature used: depth of adoption is read from here.

with

events as (
    select * from {{ ref('stg_product__events') }}
    where not is_deleted
),

features as (
    select * from {{ ref('stg_product__features') }}
    where is_key_feature and not is_deleted
),

final as (
    select distinct
        events.account_id,
        events.event_date,
        events.feature_key
    from events
    inner join features
        on events.feature_key = features.feature_key
)

select * from final
