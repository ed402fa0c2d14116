-- Does each account have the data each factor needs, on each score date? The rule is data:
-- seeds/factor_catalogue.csv names per factor the raw table it counts (source_table: empty for
-- the whole organisation means the factor is missing for all its accounts; whether another
-- tenant has rows in it is none of this tenant's business) and the table in which the account
-- must have a row on or before the score date (evidence_table, optionally within
-- evidence_window_days). "No overdue invoice" is good news only for an account with invoices.
-- A factor without evidence is missing: its weight is redistributed, never scored as 0.
-- Incremental on score_date (scoring_dates_to_build): a run recomputes the last
-- history_lookback_days of score dates, the dates whose accounts changed and the dates scored
-- with other weights_version, and reads only the evidence those dates can use.
{{ config(**incremental_on_score_date('int_scoring__account_dates')) }}

with

{%- if is_incremental() %}

{{ scoring_dates_to_build(ref('int_scoring__account_dates')) }},
{%- endif %}

account_dates as (
    select * from {{ ref('int_scoring__account_dates') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

weights_version as (
    select * from {{ ref('int_scoring__weights_version') }}
),

crm_accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

catalogue as (
    select
        factor_name,
        source_table,
        evidence_table,
        -- blank: any time before the score date
        cast(nullif(trim(evidence_window_days), '') as {{ dbt.type_int() }})
            as evidence_window_days
    from {{ ref('factor_catalogue') }}
),

{%- set evidence_sources = [
    ('product.seats', 'stg_product__seats', 'effective_date'),
    ('support.tickets', 'stg_support__tickets', 'created_at'),
    ('crm.activities', 'stg_crm__activities', 'occurred_at'),
    ('crm.contacts', 'stg_crm__contacts', 'active_from_date'),
    ('crm.sentiment', 'stg_crm__sentiment', 'recorded_at'),
    ('billing.invoices', 'stg_billing__invoices', 'issued_date'),
    ('billing.subscriptions', 'stg_billing__subscriptions', 'started_at'),
    ('billing.payments', 'stg_billing__payments', 'attempted_at'),
    ('billing.disputes', 'stg_billing__disputes', 'opened_at'),
    ('billing.plan_changes', 'stg_billing__plan_changes', 'changed_at'),
] %}

-- the first day each account has a row in each table (compared with each score date below)
first_evidence as (
    select
        account_id,
        'product.events' as source_table,
        min(event_date) as first_evidence_date
    from {{ ref('int_usage__user_days') }}
    group by 1, 2
    {%- for source_table, model, date_column in evidence_sources %}
        union all
        select
            account_id,
            '{{ source_table }}' as source_table,
            min(cast({{ date_column }} as date)) as first_evidence_date
        from {{ ref(model) }}
        where not is_deleted
        group by 1, 2
    {%- endfor %}
),

-- only for factors with an evidence window: one row per account, table and day with a row,
-- from the earliest day a window of the dates computed here reaches
evidence_bounds as (
    select
        cast({{ dbt.dateadd(
            'day', '-1 * max(catalogue.evidence_window_days)', 'min(account_dates.score_date)'
        ) }} as date) as window_start_date
    from account_dates
    cross join catalogue
),

evidence_days as (
    select distinct
        user_days.account_id,
        'product.events' as source_table,
        user_days.event_date as evidence_date
    from {{ ref('int_usage__user_days') }} as user_days
    cross join evidence_bounds
    where user_days.event_date > evidence_bounds.window_start_date
    {%- for source_table, model, date_column in evidence_sources %}
        union all
        select distinct
            source_rows.account_id,
            '{{ source_table }}' as source_table,
            cast(source_rows.{{ date_column }} as date) as evidence_date
        from {{ ref(model) }} as source_rows
        cross join evidence_bounds
        where
            not source_rows.is_deleted
            and cast(source_rows.{{ date_column }} as date) > evidence_bounds.window_start_date
    {%- endfor %}
),

-- tables with rows in each organisation's book (org_key: '' for a single tenant)
org_presence as (
    select
        coalesce(crm_accounts.org_id, '') as org_key,
        first_evidence.source_table
    from first_evidence
    inner join crm_accounts
        on first_evidence.account_id = crm_accounts.account_id
    group by 1, 2
),

-- features has no account: the shared feature catalogue counts on its own, for every org
shared_presence as (
    select 'product.features' as source_table
    from {{ ref('stg_product__features') }}
    where not is_deleted
    group by 1
),

-- only for factors with an evidence window: the latest evidence inside it
windowed_evidence as (
    select
        account_dates.account_id,
        account_dates.score_date,
        catalogue.factor_name,
        max(evidence_days.evidence_date) as last_evidence_date
    from catalogue
    inner join evidence_days
        on catalogue.evidence_table = evidence_days.source_table
    inner join account_dates
        on
            evidence_days.account_id = account_dates.account_id
            and evidence_days.evidence_date <= account_dates.score_date
            and evidence_days.evidence_date > cast({{ dbt.dateadd(
                'day', '-1 * catalogue.evidence_window_days', 'account_dates.score_date'
            ) }} as date)
    where catalogue.evidence_window_days is not null
    group by 1, 2, 3
),

final as (
    select
        account_dates.account_id,
        account_dates.score_date,
        catalogue.factor_name,
        catalogue.source_table,
        catalogue.evidence_table,
        case
            when
                org_presence.source_table is null and shared_presence.source_table is null
                then 'source_empty'
            when
                first_evidence.first_evidence_date is null
                or first_evidence.first_evidence_date > account_dates.score_date
                then 'no_account_rows'
            when
                catalogue.evidence_window_days is not null
                and windowed_evidence.last_evidence_date is null
                then 'no_recent_rows'
            else 'ok'
        end as evidence_status,
        weights_version.weights_version
    from account_dates
    cross join catalogue
    cross join weights_version
    left join org_presence
        on
            catalogue.source_table = org_presence.source_table
            and coalesce(account_dates.org_id, '') = org_presence.org_key
    left join shared_presence
        on catalogue.source_table = shared_presence.source_table
    left join first_evidence
        on
            account_dates.account_id = first_evidence.account_id
            and catalogue.evidence_table = first_evidence.source_table
    left join windowed_evidence
        on
            account_dates.account_id = windowed_evidence.account_id
            and account_dates.score_date = windowed_evidence.score_date
            and catalogue.factor_name = windowed_evidence.factor_name
)

select * from final
