{#- The CTE dates_to_build of a scoring model that is incremental on score_date (use it inside
    `{% if is_incremental() %}`, at the head of the model's `with`): the score dates this run
    recomputes whole, that is
    * the dates from history_lookback_days before the latest one the table holds, and the
      current date (the latest date of `pairs`);
    * every date whose accounts differ between the table and `pairs` (the account and score
      date pairs this run scores): a new date, or an account that started or ended an episode;
    * every date the table holds with another stamp: by default its rows carry the
      weights_version they were scored with (`stamps`: column -> a query of its current
      value), so that new weights, factors, thresholds or tiers rescore the whole history. A
      table built before its rows carried a stamp has every date recomputed, once;
    * with shift_days, also the dates that many days after each of those (a trend compares a
      date with earlier ones: when they change, so does it).
    The dates are those of `pairs`: a date that is no longer a score date is left to the
    post-hook (prune_history_dates). They are found by one query before the model runs and
    written into the model as literals: the model reads a short list, not the query again in
    each CTE that filters on it. -#}
{% macro scoring_dates_to_build(pairs, stamps=none, shift_days=[]) -%}
    {%- if stamps is none -%}
        {%- set stamps = {
            'weights_version':
                'select weights_version from ' ~ ref('int_scoring__weights_version'),
        } -%}
    {%- endif -%}
    {%- set built_columns = adapter.get_columns_in_relation(this)
        | map(attribute='name') | map('lower') | list -%}
    {%- set missing = stamps.keys() | reject('in', built_columns) | list -%}
    {%- set query -%}
with
{%- if stamps and not missing %}

current_stamps as (
    select
    {%- for column, current_value in stamps.items() %}
        ({{ current_value }}) as {{ column }}{{ "," if not loop.last }}
    {%- endfor %}
),
{%- endif %}

built_pairs as (
    select
        built.account_id,
        built.score_date,
        {%- if not stamps %}
        0 as is_stale
        {%- elif missing %}
        1 as is_stale
        {%- else %}
        max(case
            when
                {%- for column in stamps %}
                built.{{ column }} = current_stamps.{{ column }}{{ ' and' if not loop.last }}
                {%- endfor %}
                then 0
            else 1
        end) as is_stale
        {%- endif %}
    from {{ this }} as built
    {%- if stamps and not missing %}
        cross join current_stamps
    {%- endif %}
    group by 1, 2
),

scored_dates as (
    select distinct score_date from {{ pairs }}
),

-- a pair on one side only, or one computed with another stamp
changed_dates as (
    select coalesce(scored_pairs.score_date, built_pairs.score_date) as score_date
    from {{ pairs }} as scored_pairs
    full outer join built_pairs
        on
            scored_pairs.account_id = built_pairs.account_id
            and scored_pairs.score_date = built_pairs.score_date
    where
        scored_pairs.account_id is null
        or built_pairs.account_id is null
        or built_pairs.is_stale = 1
),

recomputed_dates as (
    select changed_dates.score_date from changed_dates
    union
    select scored_dates.score_date from scored_dates
    where
        scored_dates.score_date >= (
            select
                cast(
                    {{ dbt.dateadd('day', -1 * var('history_lookback_days'), 'max(score_date)') }}
                    as date
                )
            from built_pairs
        )
        or scored_dates.score_date = (select max(score_date) from scored_dates)
),

dates_to_build as (
    select scored_dates.score_date
    from scored_dates
    where scored_dates.score_date in (
        select recomputed_dates.score_date from recomputed_dates
        {%- for days in shift_days %}
        union
        select cast({{ dbt.dateadd('day', days, 'recomputed_dates.score_date') }} as date)
        from recomputed_dates
        {%- endfor %}
    )
)

select cast(score_date as {{ dbt.type_string() }}) as score_date
from dates_to_build
order by 1
    {%- endset -%}
    {%- set dates = run_query(query).columns[0].values() if execute else [] %}
dates_to_build as (
    {%- for day in dates %}
    select cast('{{ (day | string)[:10] }}' as date) as score_date
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select cast(null as date) as score_date
    where 1 = 0
    {%- endfor %}
)
{%- endmacro %}
