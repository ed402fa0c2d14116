-- Segment's track and page calls mapped onto product.events (docs/connectors/segment.md), for
-- base_product__events: one event per message (a message loaded twice is two versions of one
-- event, deduplicated by the base model on its id), the feature being the track's event name
-- or, for a page view, page:<page name> (var segment_read_pages: false leaves pages out).
-- Events carry users, not accounts. The user is the call's user_id, or the user an identify
-- call linked its anonymous_id to (stg_segment__anonymous_ids). The account is the group the
-- product sent with the call (context_group_id), else the user's membership at the event's
-- time (stg_segment__user_accounts), mapped onto the CRM by int_identity__account_map. A call
-- with no account (an anonymous visitor never identified, a user in no group) or whose
-- account matched no CRM account (or several) is quarantined with the reason.

with

tracks as (

    select
        'tracks' as connector_table,
        message_id,
        anonymous_id,
        user_id,
        context_group_id,
        event_name as feature_key,
        occurred_at,
        is_deleted,
        loaded_at
    from {{ ref('stg_segment__tracks') }}

),

{%- if var('segment_read_pages', true) %}

    pages as (

        select
            'pages' as connector_table,
            message_id,
            anonymous_id,
            user_id,
            context_group_id,
            {{ dbt.concat(["'page:'", 'lower(trim(coalesce(page_name, page_path)))']) }}
                as feature_key,
            occurred_at,
            is_deleted,
            loaded_at
        from {{ ref('stg_segment__pages') }}

    ),
{%- endif %}

anonymous_ids as (

    select * from {{ ref('stg_segment__anonymous_ids') }}

),

memberships as (

    select * from {{ ref('stg_segment__user_accounts') }}

),

account_map as (

    select
        source_account_id,
        crm_account_id,
        match_status,
        match_detail
    from {{ ref('int_identity__account_map') }}
    where source_system = 'segment'

),

calls as (

    select * from tracks
    {%- if var('segment_read_pages', true) %}
        union all
        select * from pages
    {%- endif %}

),

identified as (

    select
        calls.*,
        coalesce(calls.user_id, anonymous_ids.user_id) as resolved_user_id
    from calls
    left join anonymous_ids
        on
            calls.user_id is null
            and calls.anonymous_id = anonymous_ids.anonymous_id

),

-- the membership in force at the event's time; an event older than every call of its user
-- belongs to the user's first membership
attributed as (

    select
        identified.*,
        coalesce(identified.context_group_id, memberships.source_account_id)
            as segment_account_id
    from identified
    left join memberships
        on
            identified.resolved_user_id = memberships.user_id
            and (
                memberships.is_first_membership or identified.occurred_at >= memberships.member_from
            )
            and (
                memberships.member_until is null
                or identified.occurred_at < memberships.member_until
            )

),

mapped as (

    select
        attributed.*,
        account_map.crm_account_id,
        account_map.match_status,
        account_map.match_detail,
        account_map.source_account_id is not null as has_account_record,
        case
            when attributed.segment_account_id is null then 'no_account'
            when account_map.source_account_id is null then 'unmatched_identity'
            when account_map.match_status = 'ambiguous' then 'ambiguous_identity'
            when account_map.match_status = 'unmatched' then 'unmatched_identity'
        end as mapping_issue
    from attributed
    left join account_map
        on attributed.segment_account_id = account_map.source_account_id

),

final as (

    select
        -- ids
        message_id as event_id,
        crm_account_id as account_id,
        resolved_user_id as user_id,
        feature_key,
        -- Segment calls carry no tenant
        cast(null as {{ dbt.type_string() }}) as org_id,
        -- dates
        occurred_at,
        -- housekeeping
        loaded_at as _loaded_at,
        is_deleted as _is_deleted,
        mapping_issue as _mapping_issue,
        case
            when mapping_issue is null then null
            when mapping_issue = 'no_account' and resolved_user_id is null
                then {{ dbt.concat([
                    "'segment '", 'connector_table', "' call of anonymous id '",
                    "coalesce(anonymous_id, 'null')",
                    "' that no identify call links to a user, with no context_group_id'",
                ]) }}
            when mapping_issue = 'no_account'
                then {{ dbt.concat([
                    "'segment user '", 'resolved_user_id',
                    "' is in no account (no "
                    ~ ((var('segment_account_trait') ~ " identify trait") if var('segment_account_trait', none) else "group call")
                    ~ ") and the call has no context_group_id'",
                ]) }}
            when not has_account_record
                then {{ dbt.concat([
                    "'segment account '", 'segment_account_id', "' has no account record'",
                ]) }}
            else match_detail
        end as _mapping_detail
    from mapped

)

select * from final
