-- The cohort technique's measure: where a key usage factor (var diagnosis_cohort_factor,
-- default usage_active_days_28d) of each account stands among its peers on the same score
-- date, 0 = the worst. Peers are the accounts of the same segment and industry when that
-- cohort has at least diagnosis_cohort_min_accounts accounts with a value; else the segment's
-- when it has at least tier_min_peers; else the organisation's whole book, and a book with
-- fewer than tier_min_peers gives no percentile. Peers are the organisation's own accounts
-- (every organisation with the var cross_tenant_benchmarks), as for the score's percentiles.
-- The cohort's median is kept for the reason ("peers' median 17 days"). The industry is the
-- account's current one, as in the history mart.
{%- set min_industry = var('diagnosis_cohort_min_accounts') | int %}
{%- set min_peers = var('tier_min_peers') | int %}
{%- set per_org = not var('cross_tenant_benchmarks', false) %}

with

factor_scores as (
    select * from {{ ref('int_scoring__factor_scores') }}
    where factor_name = '{{ var("diagnosis_cohort_factor") }}'
),

accounts as (
    select
        account_id,
        industry
    from {{ ref('stg_crm__accounts') }}
),

joined as (
    select
        factor_scores.account_id,
        factor_scores.org_id,
        factor_scores.score_date,
        factor_scores.segment,
        accounts.industry,
        factor_scores.factor_name,
        factor_scores.unit,
        factor_scores.raw_value,
        -- ranked so that the worst value comes first, whatever the factor's direction
        case
            when factor_scores.direction = 'lower_is_better' then -1 * factor_scores.raw_value
            else factor_scores.raw_value
        end as ranked_value
    from factor_scores
    left join accounts
        on factor_scores.account_id = accounts.account_id
),

-- accounts without a value form their own partition and are not used
ranked as (
    select
        *,
        100.0 * percent_rank() over (
            partition by
                {{ peer_org_partition() }}score_date, segment, industry, raw_value is null
            order by ranked_value
        ) as industry_percentile,
        100.0 * percent_rank() over (
            partition by {{ peer_org_partition() }}score_date, segment, raw_value is null
            order by ranked_value
        ) as segment_percentile,
        100.0 * percent_rank() over (
            partition by {{ peer_org_partition() }}score_date, raw_value is null
            order by ranked_value
        ) as book_percentile,
        count(raw_value) over (
            partition by {{ peer_org_partition() }}score_date, segment, industry
        ) as industry_accounts,
        count(raw_value) over (
            partition by {{ peer_org_partition() }}score_date, segment
        ) as segment_accounts,
        count(raw_value) over (
            partition by {{ peer_org_partition() }}score_date
        ) as book_accounts
    from joined
),

chosen as (
    select
        *,
        case
            when raw_value is null then null
            when industry is not null and industry_accounts >= {{ min_industry }}
                then 'segment_industry'
            when segment_accounts >= {{ min_peers }} then 'segment'
            when book_accounts >= {{ min_peers }} then 'book'
        end as cohort_level
    from ranked
),

{%- for level, keys in [
    ('industry', ['segment', 'industry']),
    ('segment', ['segment']),
    ('book', []),
] %}

    {{ level }}_medians as (
        select
            {%- if per_org %}
                -- a single tenant's org_id is null: joined on this key instead
                coalesce(org_id, '') as org_key,
            {%- endif %}
            score_date,
            {%- for key in keys %}
                {{ key }},
            {%- endfor %}
            {{ median('raw_value') }} as cohort_median
        from joined
        where raw_value is not null
        group by {{ range(1, keys | length + (3 if per_org else 2)) | join(', ') }}
    ),
{%- endfor %}

final as (
    select
        -- ids
        chosen.account_id,
        chosen.org_id,
        chosen.score_date,
        -- dimensions
        chosen.segment,
        chosen.industry,
        chosen.factor_name as cohort_factor,
        chosen.unit as cohort_factor_unit,
        chosen.cohort_level,
        case chosen.cohort_level
            when 'segment_industry' then chosen.segment || ', ' || chosen.industry
            when 'segment' then chosen.segment
            when 'book' then 'all segments'
        end as cohort_name,
        -- measures
        chosen.raw_value as cohort_factor_value,
        case chosen.cohort_level
            when 'segment_industry' then chosen.industry_accounts
            when 'segment' then chosen.segment_accounts
            when 'book' then chosen.book_accounts
        end as cohort_accounts,
        {{ round_score(
            "case chosen.cohort_level"
            ~ " when 'segment_industry' then chosen.industry_percentile"
            ~ " when 'segment' then chosen.segment_percentile"
            ~ " when 'book' then chosen.book_percentile end"
        ) }} as cohort_percentile,
        {{ round_score(
            "case chosen.cohort_level"
            ~ " when 'segment_industry' then industry_medians.cohort_median"
            ~ " when 'segment' then segment_medians.cohort_median"
            ~ " when 'book' then book_medians.cohort_median end"
        ) }} as cohort_median
    from chosen
    left join industry_medians
        on
            {% if per_org %}coalesce(chosen.org_id, '') = industry_medians.org_key and {% endif -%}
            chosen.score_date = industry_medians.score_date
            and chosen.segment = industry_medians.segment
            and chosen.industry = industry_medians.industry
    left join segment_medians
        on
            {% if per_org %}coalesce(chosen.org_id, '') = segment_medians.org_key and {% endif -%}
            chosen.score_date = segment_medians.score_date
            and chosen.segment = segment_medians.segment
    left join book_medians
        on
            {% if per_org %}coalesce(chosen.org_id, '') = book_medians.org_key and {% endif -%}
            chosen.score_date = book_medians.score_date
)

select * from final
