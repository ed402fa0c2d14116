-- Every factor of every account and score date with its 0-100 sub-score. Thresholds come
-- from seeds/factor_thresholds.csv (a segment's own row wins over 'all'); a factor normalised
-- by 'percentile' is ranked against its segment's peers on the same date, within the account's
-- organisation (every organisation with the var cross_tenant_benchmarks). A factor whose
-- evidence is missing (int_scoring__factor_evidence) has no value: its weight is redistributed.
-- Incremental on score_date (scoring_dates_to_build): a run recomputes the last
-- history_lookback_days of score dates, the dates whose accounts changed and the dates scored
-- with other weights_version; a percentile ranks the accounts of one date, so a date is
-- recomputed whole.
{{ config(**incremental_on_score_date('int_scoring__account_dates')) }}

with

{%- if is_incremental() %}

{{ scoring_dates_to_build(ref('int_scoring__account_dates')) }},
{%- endif %}

-- columns by name: on Spark the incremental factor tables keep their partition column,
-- score_date, last, so a union by position would pair the wrong columns
factors as (
    select
        account_id,
        org_id,
        factor_name,
        raw_value,
        score_date
    from {{ ref('int_usage__factors') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
    union all
    select
        account_id,
        org_id,
        factor_name,
        raw_value,
        score_date
    from {{ ref('int_support__factors') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
    union all
    select
        account_id,
        org_id,
        factor_name,
        raw_value,
        score_date
    from {{ ref('int_relationship__factors') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
    union all
    select
        account_id,
        org_id,
        factor_name,
        raw_value,
        score_date
    from {{ ref('int_finance__factors') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

account_dates as (
    select * from {{ ref('int_scoring__account_dates') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

catalogue as (
    select * from {{ ref('factor_catalogue') }}
),

evidence as (
    select * from {{ ref('int_scoring__factor_evidence') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

weights_version as (
    select * from {{ ref('int_scoring__weights_version') }}
),

thresholds as (
    select * from {{ ref('factor_thresholds') }}
),

joined as (
    select
        factors.account_id,
        factors.org_id,
        factors.score_date,
        account_dates.segment,
        catalogue.family,
        factors.factor_name,
        case when evidence.evidence_status = 'ok' then factors.raw_value end as raw_value,
        evidence.evidence_status,
        catalogue.unit,
        catalogue.direction,
        catalogue.normalisation,
        catalogue.is_key,
        catalogue.factor_weight,
        coalesce(segment_thresholds.bad_value, all_thresholds.bad_value) as bad_value,
        coalesce(segment_thresholds.ok_value, all_thresholds.ok_value) as ok_value,
        coalesce(segment_thresholds.good_value, all_thresholds.good_value) as good_value,
        weights_version.weights_version
    from factors
    inner join account_dates
        on
            factors.account_id = account_dates.account_id
            and factors.score_date = account_dates.score_date
    inner join catalogue
        on factors.factor_name = catalogue.factor_name
    inner join evidence
        on
            factors.account_id = evidence.account_id
            and factors.score_date = evidence.score_date
            and factors.factor_name = evidence.factor_name
    left join thresholds as segment_thresholds
        on
            factors.factor_name = segment_thresholds.factor_name
            and account_dates.segment = segment_thresholds.segment
    left join thresholds as all_thresholds
        on
            factors.factor_name = all_thresholds.factor_name
            and all_thresholds.segment = 'all'
    cross join weights_version
),

-- one pass, no self-join: the rank of a value among the segment's accounts with a value for
-- the factor on the same date (rows without one form their own partition and are not used).
-- Peers are the organisation's own accounts, so that no tenant's data moves another's scores.
ranked as (
    select
        *,
        percent_rank() over (
            partition by
                {{ peer_org_partition() }}score_date, segment, factor_name, raw_value is null
            order by raw_value
        ) as peer_percentile,
        count(raw_value) over (
            partition by {{ peer_org_partition() }}score_date, segment, factor_name
        ) as peers
    from joined
),

final as (
    select
        account_id,
        org_id,
        score_date,
        segment,
        family,
        factor_name,
        raw_value,
        evidence_status,
        unit,
        direction,
        normalisation,
        is_key,
        factor_weight,
        case
            when raw_value is null then null
            when normalisation = 'percentile' and peers = 1 then 50.0
            when normalisation = 'percentile' and direction = 'higher_is_better'
                then 100.0 * peer_percentile
            when normalisation = 'percentile'
                then 100.0 * (1 - peer_percentile)
            else {{ piecewise_score('raw_value', 'bad_value', 'ok_value', 'good_value') }}
        end as sub_score,
        weights_version
    from ranked
)

select * from final
