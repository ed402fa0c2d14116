-- Every expansion factor of every account and score date with its 0-100 sub-score (higher =
-- closer to buying more), its weight for the account's segment and the share of the expansion
-- score it carries once missing factors' weight is redistributed. A factor reads either its own
-- measure (int_expansion__factors) or a health factor's value or a family score
-- (seeds/expansion_factor_catalogue.csv, source_factor), and has a value only where the
-- account passes the evidence rule of its evidence_factor (int_scoring__factor_evidence): no
-- seats table, no CRM, no billing leave the matching factors missing, never at 0. Piecewise
-- factors use seeds/expansion_thresholds.csv (a segment's row wins over 'all'); percentile
-- factors rank the account among its segment's accounts of its organisation on the date.
-- Incremental on score_date like the health factor scores (scoring_dates_to_build): a run
-- recomputes the last history_lookback_days of score dates, the dates whose accounts changed,
-- and every date scored with another weights_version (the health values it reads) or
-- expansion_version (its own catalogue, weights and thresholds); a percentile ranks the
-- accounts of one date, so a date is recomputed whole.
{{ config(**incremental_on_score_date('int_scoring__account_dates')) }}

with

{%- if is_incremental() %}

{{ scoring_dates_to_build(ref('int_scoring__account_dates'), stamps={
    'weights_version': 'select weights_version from ' ~ ref('int_scoring__weights_version'),
    'expansion_version': 'select expansion_version from ' ~ ref('int_expansion__version'),
}) }},
{%- endif %}

account_dates as (
    select * from {{ ref('int_scoring__account_dates') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

versions as (
    select
        weights_version.weights_version,
        expansion_version.expansion_version
    from {{ ref('int_scoring__weights_version') }} as weights_version
    cross join {{ ref('int_expansion__version') }} as expansion_version
),

catalogue as (
    select * from {{ ref('expansion_factor_catalogue') }}
),

weights as (
    select * from {{ ref('expansion_weights') }}
),

thresholds as (
    select * from {{ ref('expansion_thresholds') }}
),

evidence as (
    select * from {{ ref('int_scoring__factor_evidence') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

own_values as (
    select
        account_id,
        score_date,
        factor_name,
        raw_value
    from {{ ref('int_expansion__factors') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

-- the health side: factor values (already missing without evidence) and the family scores
health_values as (
    select
        account_id,
        score_date,
        factor_name,
        raw_value
    from {{ ref('int_scoring__factor_scores') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
    {%- for family in ['usage', 'support', 'relationship', 'finance'] %}
        union all
        select
            account_id,
            score_date,
            '{{ family }}_score' as factor_name,
            {{ round_score(family ~ '_score') }} as raw_value
        from {{ ref('int_scoring__health_scores') }}
        {%- if is_incremental() %}
            where score_date in (select dates_to_build.score_date from dates_to_build)
        {%- endif %}
    {%- endfor %}
),

joined as (
    select
        account_dates.account_id,
        account_dates.org_id,
        account_dates.score_date,
        account_dates.segment,
        catalogue.factor_name,
        catalogue.signal,
        catalogue.unit,
        catalogue.direction,
        catalogue.normalisation,
        evidence.evidence_status,
        case
            when evidence.evidence_status <> 'ok' then null
            when coalesce(trim(catalogue.source_factor), '') = '' then own_values.raw_value
            else health_values.raw_value
        end as raw_value,
        coalesce(weights.weight, 0.0) as factor_weight,
        coalesce(segment_thresholds.bad_value, all_thresholds.bad_value) as bad_value,
        coalesce(segment_thresholds.ok_value, all_thresholds.ok_value) as ok_value,
        coalesce(segment_thresholds.good_value, all_thresholds.good_value) as good_value,
        versions.weights_version,
        versions.expansion_version
    from account_dates
    cross join catalogue
    cross join versions
    inner join evidence
        on
            account_dates.account_id = evidence.account_id
            and account_dates.score_date = evidence.score_date
            and catalogue.evidence_factor = evidence.factor_name
    left join own_values
        on
            account_dates.account_id = own_values.account_id
            and account_dates.score_date = own_values.score_date
            and catalogue.factor_name = own_values.factor_name
    left join health_values
        on
            account_dates.account_id = health_values.account_id
            and account_dates.score_date = health_values.score_date
            and catalogue.source_factor = health_values.factor_name
    left join weights
        on
            account_dates.segment = weights.segment
            and catalogue.factor_name = weights.factor_name
    left join thresholds as segment_thresholds
        on
            catalogue.factor_name = segment_thresholds.factor_name
            and account_dates.segment = segment_thresholds.segment
    left join thresholds as all_thresholds
        on
            catalogue.factor_name = all_thresholds.factor_name
            and all_thresholds.segment = 'all'
),

-- peers: the segment's accounts of the organisation with a value on the same date
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

scored as (
    select
        *,
        case
            when raw_value is null then null
            when normalisation = 'percentile' and peers = 1 then 50.0
            when normalisation = 'percentile' and direction = 'higher_is_better'
                then 100.0 * peer_percentile
            when normalisation = 'percentile'
                then 100.0 * (1 - peer_percentile)
            else {{ piecewise_score('raw_value', 'bad_value', 'ok_value', 'good_value') }}
        end as sub_score
    from ranked
),

-- missing factors' weight goes to the factors with data, in proportion
totals as (
    select
        *,
        sum(factor_weight) over (partition by account_id, score_date) as total_weight,
        sum(case when sub_score is not null then factor_weight else 0.0 end) over (
            partition by account_id, score_date
        ) as weight_with_data
    from scored
),

weighted as (
    select
        *,
        case
            when sub_score is not null and weight_with_data > 0
                then factor_weight / weight_with_data
            else 0.0
        end as effective_weight
    from totals
),

final as (
    select
        -- ids
        account_id,
        org_id,
        score_date,
        -- dimensions
        segment,
        factor_name,
        signal,
        unit,
        evidence_status,
        -- measures
        raw_value,
        {{ round_score('sub_score') }} as sub_score,
        factor_weight,
        {{ round_score('effective_weight') }} as effective_weight,
        {{ round_score('effective_weight * coalesce(sub_score, 0.0)') }} as points,
        {{ round_score(
            'case when total_weight > 0 then weight_with_data / total_weight end'
        ) }} as data_completeness,
        -- what the date was scored with (an incremental run rescores dates with other ones)
        weights_version,
        expansion_version
    from weighted
)

select * from final
