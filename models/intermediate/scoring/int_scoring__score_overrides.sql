-- The CSM override in force for every account on every score date, and the tier it leaves:
-- the latest sentiment entry with an override tier recorded on or before the score date and
-- not yet expired wins; the override tier replaces health_tier while it lasts, then stops by
-- itself. Incremental on score_date (scoring_dates_to_build, with the health scores' accounts
-- and dates), like int_scoring__score_drivers.
-- depends_on: {{ ref('int_scoring__weights_version') }}
{{ config(**incremental_on_score_date('int_scoring__health_scores')) }}

with

{%- if is_incremental() %}

{{ scoring_dates_to_build(ref('int_scoring__health_scores')) }},
{%- endif %}

scores as (
    select * from {{ ref('int_scoring__health_scores') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

sentiment as (
    select * from {{ ref('stg_crm__sentiment') }}
    where not is_deleted and override_tier is not null
),

overrides as (
    select
        scores.account_id,
        scores.score_date,
        sentiment.override_tier,
        sentiment.note as override_reason,
        sentiment.author as override_author,
        sentiment.override_expires_at,
        row_number() over (
            partition by scores.account_id, scores.score_date
            order by sentiment.recorded_at desc, sentiment.sentiment_id desc
        ) as recency_rank
    from scores
    inner join sentiment
        on
            scores.account_id = sentiment.account_id
            and cast(sentiment.recorded_at as date) <= scores.score_date
            and scores.score_date < sentiment.override_expires_at
),

final as (
    select
        -- ids
        scores.account_id,
        scores.score_date,
        -- dimensions
        overrides.override_tier,
        overrides.override_reason,
        overrides.override_author,
        coalesce(overrides.override_tier, scores.health_tier) as final_tier,
        -- flags
        overrides.override_tier is not null as is_overridden,
        -- dates
        overrides.override_expires_at,
        -- the configuration the tier was computed with
        scores.weights_version
    from scores
    left join overrides
        on
            scores.account_id = overrides.account_id
            and scores.score_date = overrides.score_date
            and overrides.recency_rank = 1
)

select * from final
