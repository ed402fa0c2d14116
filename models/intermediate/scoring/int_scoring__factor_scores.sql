-- Every factor of every account and score date with its 0-100 sub-score. Thresholds come
-- from seeds/factor_thresholds.csv (a segment's own row wins over 'all'); a factor normalised
-- by 'percentile' is ranked against its segment's peers on the same date. A factor whose
-- evidence is missing (int_scoring__factor_evidence) has no value: its weight is redistributed.

with

factors as (
    select * from {{ ref('int_usage__factors') }}
    union all
    select * from {{ ref('int_support__factors') }}
    union all
    select * from {{ ref('int_relationship__factors') }}
    union all
    select * from {{ ref('int_finance__factors') }}
),

account_dates as (
    select * from {{ ref('int_scoring__account_dates') }}
),

catalogue as (
    select * from {{ ref('factor_catalogue') }}
),

evidence as (
    select * from {{ ref('int_scoring__factor_evidence') }}
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
        coalesce(segment_thresholds.good_value, all_thresholds.good_value) as good_value
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
),

ranked as (
    select
        account_id,
        score_date,
        factor_name,
        percent_rank() over (
            partition by score_date, segment, factor_name
            order by raw_value
        ) as peer_percentile,
        count(*) over (partition by score_date, segment, factor_name) as peers
    from joined
    where normalisation = 'percentile' and raw_value is not null
),

final as (
    select
        joined.account_id,
        joined.org_id,
        joined.score_date,
        joined.segment,
        joined.family,
        joined.factor_name,
        joined.raw_value,
        joined.evidence_status,
        joined.unit,
        joined.direction,
        joined.normalisation,
        joined.is_key,
        joined.factor_weight,
        case
            when joined.normalisation = 'percentile' and ranked.peers = 1 then 50.0
            when joined.normalisation = 'percentile' and joined.direction = 'higher_is_better'
                then 100.0 * ranked.peer_percentile
            when joined.normalisation = 'percentile'
                then 100.0 * (1 - ranked.peer_percentile)
            else {{ piecewise_score(
                'joined.raw_value', 'joined.bad_value', 'joined.ok_value', 'joined.good_value'
            ) }}
        end as sub_score
    from joined
    left join ranked
        on
            joined.account_id = ranked.account_id
            and joined.score_date = ranked.score_date
            and joined.factor_name = ranked.factor_name
)

select * from final
