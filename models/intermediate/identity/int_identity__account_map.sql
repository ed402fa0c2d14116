-- One customer across systems: every account record of a connector that is not the CRM (a
-- Zendesk organization, a Stripe customer, a Pendo account, a Segment group, a HubSpot company
-- when HubSpot is not the CRM) with the CRM account it belongs to, and how that was decided:
--   1. override: seeds/account_identity_overrides.csv, which always wins;
--   2. explicit_id: the record carries a CRM account id (Stripe metadata, Zendesk external_id,
--      a Pendo account id equal to the CRM id, ...: each connector's key is a var). A
--      15-character Salesforce id matches the 18-character id it is the prefix of. A deleted
--      CRM account matches too: the id says whose the record is, and the base models then
--      treat its rows as they treat the contract's (activity after the deletion quarantined);
--   3. domain: its email or website domain is the website domain of exactly one live CRM
--      account (shared mail domains, var identity_generic_email_domains, never match).
-- A record that matches several CRM accounts (ambiguous) or none (unmatched) is never guessed:
-- it is listed here with the candidates, and the mapping views send its rows to the quarantine.
{%- set systems = [] %}
{%- if shape_of('support') == 'zendesk' %}{% do systems.append('zendesk') %}{% endif %}
{%- if shape_of('support') == 'hubspot' and shape_of('crm') != 'hubspot' %}
    {%- do systems.append('hubspot') %}
{%- endif %}
{%- if shape_of('billing') == 'stripe' %}{% do systems.append('stripe') %}{% endif %}
{%- if shape_of('product') != 'contract' %}{% do systems.append(shape_of('product')) %}{% endif %}
{{ config(enabled=systems | length > 0) }}
{%- set generic_domains = [] %}
{%- for domain in var('identity_generic_email_domains', []) %}
    {%- do generic_domains.append("'" ~ (domain | lower) ~ "'") %}
{%- endfor %}

with

crm_accounts as (

    select
        account_id as crm_account_id,
        org_id,
        {{ normalize_domain('website') }} as website_domain,
        is_deleted
    from {{ ref('stg_crm__accounts') }}

),

source_keys as (

    {% for system in systems %}
        select
            cast(source_system as {{ dbt.type_string() }}) as source_system,
            cast(source_account_id as {{ dbt.type_string() }}) as source_account_id,
            cast(source_account_name as {{ dbt.type_string() }}) as source_account_name,
            cast(nullif(trim(explicit_crm_id), '') as {{ dbt.type_string() }}) as explicit_crm_id,
            cast(domain as {{ dbt.type_string() }}) as key_domain,
            cast(org_id as {{ dbt.type_string() }}) as org_id
        from {{ ref('stg_' ~ system ~ '__account_keys') }}
        where source_account_id is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

source_records as (

    select
        source_system,
        source_account_id,
        max(source_account_name) as source_account_name,
        max(explicit_crm_id) as explicit_crm_id,
        max(org_id) as org_id,
        {{ dbt.listagg('key_domain', "', '", 'order by key_domain') }} as domains
    from (
        select distinct
            source_system,
            source_account_id,
            source_account_name,
            explicit_crm_id,
            key_domain,
            org_id
        from source_keys
    ) as distinct_keys
    group by 1, 2

),

overrides as (

    select
        source_system,
        source_account_id,
        nullif(trim(crm_account_id), '') as crm_account_id,
        note
    from {{ ref('account_identity_overrides') }}

),

explicit_candidates as (

    select distinct
        source_records.source_system,
        source_records.source_account_id,
        crm_accounts.crm_account_id
    from source_records
    inner join crm_accounts
        on (
            crm_accounts.crm_account_id = source_records.explicit_crm_id
            or (
                {{ dbt.length('source_records.explicit_crm_id') }} = 15
                and {{ dbt.length('crm_accounts.crm_account_id') }} = 18
                and substr(crm_accounts.crm_account_id, 1, 15) = source_records.explicit_crm_id
            )
        )
        and (
            source_records.org_id is null
            or crm_accounts.org_id is null
            or source_records.org_id = crm_accounts.org_id
        )

),

domain_candidates as (

    select distinct
        source_keys.source_system,
        source_keys.source_account_id,
        crm_accounts.crm_account_id
    from source_keys
    inner join crm_accounts
        on
            source_keys.key_domain = crm_accounts.website_domain
            and not coalesce(crm_accounts.is_deleted, false)
            and (
                source_keys.org_id is null
                or crm_accounts.org_id is null
                or source_keys.org_id = crm_accounts.org_id
            )
    {%- if generic_domains %}
        where source_keys.key_domain not in ({{ generic_domains | join(', ') }})
    {%- endif %}

),

candidates as (

    select
        'explicit_id' as match_rule,
        source_system,
        source_account_id,
        crm_account_id
    from explicit_candidates
    union all
    select
        'domain' as match_rule,
        source_system,
        source_account_id,
        crm_account_id
    from domain_candidates

),

rule_matches as (

    select
        match_rule,
        source_system,
        source_account_id,
        count(*) as candidate_count,
        min(crm_account_id) as crm_account_id,
        {{ dbt.listagg('crm_account_id', "', '", 'order by crm_account_id') }} as candidate_ids
    from candidates
    group by 1, 2, 3

),

explicit_matches as (

    select * from rule_matches
    where match_rule = 'explicit_id'

),

domain_matches as (

    select * from rule_matches
    where match_rule = 'domain'

),

decided as (

    select
        source_records.source_system,
        source_records.source_account_id,
        source_records.source_account_name,
        source_records.explicit_crm_id,
        source_records.domains,
        source_records.org_id,
        overrides.source_account_id is not null as has_override,
        overrides.crm_account_id as override_crm_account_id,
        overrides.note as override_note,
        coalesce(explicit_matches.candidate_count, 0) as explicit_candidates,
        explicit_matches.crm_account_id as explicit_crm_account_id,
        explicit_matches.candidate_ids as explicit_candidate_ids,
        coalesce(domain_matches.candidate_count, 0) as domain_candidates,
        domain_matches.crm_account_id as domain_crm_account_id,
        domain_matches.candidate_ids as domain_candidate_ids
    from source_records
    left join overrides
        on
            source_records.source_system = overrides.source_system
            and source_records.source_account_id = overrides.source_account_id
    left join explicit_matches
        on
            source_records.source_system = explicit_matches.source_system
            and source_records.source_account_id = explicit_matches.source_account_id
    left join domain_matches
        on
            source_records.source_system = domain_matches.source_system
            and source_records.source_account_id = domain_matches.source_account_id

),

matched as (

    select
        *,
        case
            when has_override then 'override'
            when explicit_candidates > 0 then 'explicit_id'
            when domain_candidates > 0 then 'domain'
            else 'none'
        end as match_method,
        case
            when has_override and override_crm_account_id is null then 'unmatched'
            when has_override then 'matched'
            when explicit_candidates = 1 then 'matched'
            when explicit_candidates > 1 then 'ambiguous'
            when domain_candidates = 1 then 'matched'
            when domain_candidates > 1 then 'ambiguous'
            else 'unmatched'
        end as match_status,
        case
            when has_override
                then {{ dbt.concat(["'override: '", "coalesce(override_note, 'no note')"]) }}
            when explicit_candidates > 1
                then {{ dbt.concat([
                    "'explicit id '", 'explicit_crm_id', "' matched '",
                    'cast(explicit_candidates as ' ~ dbt.type_string() ~ ')',
                    "' CRM accounts: '", 'explicit_candidate_ids',
                ]) }}
            when explicit_candidates = 1
                then {{ dbt.concat(["'explicit id '", 'explicit_crm_id']) }}
            when domain_candidates > 1
                then {{ dbt.concat([
                    "'matched '", 'cast(domain_candidates as ' ~ dbt.type_string() ~ ')',
                    "' CRM accounts by domain: '", 'domain_candidate_ids',
                ]) }}
            when domain_candidates = 1 then 'domain'
            when explicit_crm_id is not null
                then {{ dbt.concat([
                    "'explicit id '", 'explicit_crm_id', "' is no CRM account, and no domain matched'"
                ]) }}
            else 'no CRM account matched (no explicit id, no domain match)'
        end as decision_text
    from decided

),

final as (

    select
        -- ids
        source_system,
        source_account_id,
        case
            when match_status != 'matched' then null
            when match_method = 'override' then override_crm_account_id
            when match_method = 'explicit_id' then explicit_crm_account_id
            else domain_crm_account_id
        end as crm_account_id,
        org_id,
        -- what the record carries
        source_account_name,
        explicit_crm_id,
        domains,
        -- the decision
        match_method,
        match_status,
        case
            when match_method = 'explicit_id' then explicit_candidates
            when match_method = 'domain' then domain_candidates
            else 0
        end as candidate_count,
        case
            when match_method = 'explicit_id' then explicit_candidate_ids
            when match_method = 'domain' then domain_candidate_ids
        end as candidate_crm_account_ids,
        {{ dbt.concat([
            'source_system',
            "' account '",
            'source_account_id',
            "coalesce(" ~ dbt.concat(["' ('", 'domains', "')'"]) ~ ", '')",
            "': '",
            'decision_text',
        ]) }} as match_detail
    from matched

)

select * from final
