-- Saves and losses per playbook and tenant: how the recovery cases that followed each
-- playbook ended. A save is a case closed recovered or renewed, a loss one closed churned;
-- every one is a data point for calibrating the playbooks (and the rules that open cases).
-- A playbook's save rate counts closed cases only: an open case has not ended yet.

with

cases as (
    select * from {{ ref('mart_recovery_cases') }}
),

final as (
    select
        -- grain
        org_id,
        playbook,
        -- measures
        cast(count(*) as bigint) as cases_opened,
        cast(sum(case when case_status = 'open' then 1 else 0 end) as bigint) as cases_open,
        cast(sum(case when outcome = 'recovered' then 1 else 0 end) as bigint) as cases_recovered,
        cast(sum(case when outcome = 'renewed' then 1 else 0 end) as bigint) as cases_renewed,
        cast(sum(case when outcome = 'churned' then 1 else 0 end) as bigint) as cases_churned,
        cast(sum(case when is_save then 1 else 0 end) as bigint) as saves,
        cast(sum(case when is_loss then 1 else 0 end) as bigint) as losses,
        -- doubles before dividing: Spark's decimal division keeps another scale
        {{ round_score(
            'cast(sum(case when is_save then 1 else 0 end) as ' ~ type_double() ~ ')'
            ~ ' / nullif(sum(case when is_save or is_loss then 1 else 0 end), 0)'
        ) }} as save_rate,
        {{ round_score(
            "avg(case when case_status = 'closed' then cast(days_open as "
            ~ type_double() ~ ") end)"
        ) }} as avg_days_to_close,
        {{ round_score('sum(case when is_save then arr_reporting else 0 end)') }}
            as arr_saved,
        {{ round_score('sum(case when is_loss then arr_reporting else 0 end)') }} as arr_lost,
        -- dates
        min(opened_date) as first_opened_date,
        max(opened_date) as last_opened_date
    from cases
    group by 1, 2
)

select * from final
