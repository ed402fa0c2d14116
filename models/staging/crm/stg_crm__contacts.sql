-- PII: email and phone are hashed here (salted with var('pii_salt')) and never passed on.

with

source as (

    select * from {{ source('crm', 'contacts') }}

),

deduplicated as (

    {{ deduplicate_latest('source', ['contact_id']) }}

),

renamed as (

    select
        -- ids
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(org_id as {{ dbt.type_string() }}) as org_id,
        -- dimensions
        -- `role` is a keyword in some dialects, but it is the name downstream models use
        {{ normalize_enum('role') }} as role,  -- noqa: RF04
        -- pii, normalised for hashing (never selected in final)
        nullif(lower(trim(cast(email as {{ dbt.type_string() }}))), '') as email_normalised,
        nullif({{ strip_non_digits('phone') }}, '') as phone_digits,
        -- dates
        cast(active_from as date) as active_from_date,
        cast(active_to as date) as active_to_date,
        -- housekeeping
        coalesce(cast(_is_deleted as {{ dbt.type_boolean() }}), false) as is_deleted,
        {{ to_utc('_loaded_at') }} as loaded_at,
        cast(source_versions as {{ dbt.type_int() }}) as source_versions
    from deduplicated

),

hashed as (

    select
        *,
        {{ hash_pii('email_normalised') }} as email_hash,
        nullif({{ dbt.split_part('email_normalised', "'@'", 2) }}, '') as email_domain,
        {{ hash_pii('phone_digits') }} as phone_hash
    from renamed

),

final as (

    select
        -- ids
        contact_id,
        account_id,
        org_id,
        -- dimensions
        role,
        email_hash,
        email_domain,
        phone_hash,
        -- dates
        active_from_date,
        active_to_date,
        -- housekeeping
        is_deleted,
        loaded_at,
        source_versions
    from hashed

)

select * from final
