with

source as (

    select * from {{ source('crm', 'sentiment') }}

),

deduplicated as (

    {{ deduplicate_latest('source', ['sentiment_id']) }}

),

renamed as (

    select
        -- ids
        cast(sentiment_id as {{ dbt.type_string() }}) as sentiment_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        trim(cast(author as {{ dbt.type_string() }})) as author,
        cast(sentiment_score as {{ dbt.type_int() }}) as sentiment_score_given,
        {{ normalize_enum('rag') }} as rag_cleaned,
        nullif(trim(cast(note as {{ dbt.type_string() }})), '') as note,
        {{ normalize_enum('override_tier') }} as override_tier,
        -- dates
        {{ to_utc('recorded_at') }} as recorded_at,
        {{ to_utc('override_expires_at') }} as override_expires_at,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions
    from deduplicated

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
