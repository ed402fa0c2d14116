with

renamed as (

    -- rows that failed a check are in `quarantine` instead (see base_crm__sentiment)
    select
        sentiment_id,
        account_id,
        org_id,
        author,
        sentiment_score_given,
        rag_cleaned,
        note,
        override_tier,
        recorded_at,
        override_expires_at,
        is_deleted,
        loaded_at,
        source_versions
    from {{ ref('base_crm__sentiment') }}
    where quarantine_reason is null

),

rag_mapped as (

    select
        *,
        case when rag_cleaned = 'yellow' then 'amber' else rag_cleaned end as rag
    from renamed

),

scored as (

    select
        *,
        -- the score as given; when only a rag is given, red = 1, amber = 3, green = 5
        coalesce(
            sentiment_score_given,
            case rag
                when 'red' then 1
                when 'amber' then 3
                when 'green' then 5
            end
        ) as sentiment_score
    from rag_mapped

),

final as (

    select
        -- ids
        sentiment_id,
        account_id,
        org_id,
        -- dimensions
        author,
        sentiment_score,
        rag,
        note,
        override_tier,
        -- dates
        recorded_at,
        override_expires_at,
        -- housekeeping
        is_deleted,
        loaded_at,
        source_versions
    from scored

)

select * from final
