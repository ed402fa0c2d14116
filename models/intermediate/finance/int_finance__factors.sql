-- Finance factors per account and score date: days past due, overdue amount against MRR,
-- downgrades (with contractions), disputes and failed payments. An invoice paid after the
-- score date was still unpaid on it.
-- Incremental on score_date (scoring_dates_to_build): a run recomputes whole the last
-- history_lookback_days days, the new dates and the dates whose accounts changed (an episode
-- started or ended late), and prunes the dates that are no longer score
-- dates. Days past due and the overdue amount read only the invoices still unpaid on some score
-- date of the run; the other factors read their 90 or 180 days.
{{ config(**incremental_on_score_date('int_scoring__account_dates')) }}

with

{%- if is_incremental() %}

{{ scoring_dates_to_build(ref('int_scoring__account_dates'), stamps={}) }},
{%- endif %}

account_dates as (
    select * from {{ ref('int_scoring__account_dates') }}
    {%- if is_incremental() %}
        where score_date in (select dates_to_build.score_date from dates_to_build)
    {%- endif %}
),

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
    where not is_deleted and status <> 'void'
),

contracts as (
    select * from {{ ref('stg_crm__contracts') }}
    where not is_deleted
),

plan_changes as (
    select * from {{ ref('stg_billing__plan_changes') }}
    where not is_deleted
),

disputes as (
    select * from {{ ref('stg_billing__disputes') }}
    where not is_deleted
),

payments as (
    select * from {{ ref('stg_billing__payments') }}
    where not is_deleted
),

-- a subscription cancelled while another runs on: revenue lost, counted with the downgrades
contractions as (
    select * from {{ ref('int_lifecycle__outcomes') }}
    where outcome_type = 'contracted'
),

run_bounds as (
    select min(score_date) as first_score_date
    from account_dates
),

-- an account with invoices issued is judged (0 days past due), one without is not (missing)
first_invoices as (
    select
        account_id,
        min(issued_date) as first_issued_date
    from invoices
    group by 1
),

-- the invoices still unpaid on some score date of this run: a paid invoice is never overdue
unpaid_invoices as (
    select invoices.*
    from invoices
    cross join run_bounds
    where invoices.paid_date is null or invoices.paid_date > run_bounds.first_score_date
),

-- the invoices unpaid on the score date
invoice_windows as (
    select
        account_dates.account_id,
        account_dates.score_date,
        max(case
            when invoices.due_date < account_dates.score_date
                then {{ dbt.datediff('invoices.due_date', 'account_dates.score_date', 'day') }}
            else 0
        end) as finance_max_days_past_due,
        sum(case
            when invoices.due_date < account_dates.score_date
                then invoices.amount_reporting
            else 0
        end) as overdue_amount_reporting
    from account_dates
    inner join unpaid_invoices as invoices
        on
            account_dates.account_id = invoices.account_id
            and account_dates.score_date >= invoices.issued_date
            and (invoices.paid_date is null or invoices.paid_date > account_dates.score_date)
    group by 1, 2
),

mrr as (
    select
        account_dates.account_id,
        account_dates.score_date,
        sum(contracts.arr_reporting) / 12.0 as mrr_reporting
    from account_dates
    inner join contracts
        on
            account_dates.account_id = contracts.account_id
            and account_dates.score_date >= contracts.start_date
            and account_dates.score_date <= contracts.end_date
    group by 1, 2
),

event_counts as (
    select
        account_id,
        score_date,
        sum(is_downgrade) as finance_downgrades_90d,
        sum(is_dispute) as finance_disputes_180d,
        sum(is_failure) as finance_payment_failures_90d
    from (
        select
            account_dates.account_id,
            account_dates.score_date,
            1 as is_downgrade,
            0 as is_dispute,
            0 as is_failure
        from account_dates
        inner join plan_changes
            on
                account_dates.account_id = plan_changes.account_id
                and cast(plan_changes.changed_at as date) <= account_dates.score_date
                and cast(plan_changes.changed_at as date)
                > {{ dbt.dateadd('day', -90, 'account_dates.score_date') }}
        where
            plan_changes.change_type = 'downgrade'
            or plan_changes.seats_after < plan_changes.seats_before
        union all
        select
            account_dates.account_id,
            account_dates.score_date,
            1 as is_downgrade,
            0 as is_dispute,
            0 as is_failure
        from account_dates
        inner join contractions
            on
                account_dates.account_id = contractions.account_id
                and contractions.outcome_date <= account_dates.score_date
                and contractions.outcome_date
                > {{ dbt.dateadd('day', -90, 'account_dates.score_date') }}
        union all
        select
            account_dates.account_id,
            account_dates.score_date,
            0 as is_downgrade,
            1 as is_dispute,
            0 as is_failure
        from account_dates
        inner join disputes
            on
                account_dates.account_id = disputes.account_id
                and cast(disputes.opened_at as date) <= account_dates.score_date
                and cast(disputes.opened_at as date)
                > {{ dbt.dateadd('day', -180, 'account_dates.score_date') }}
        union all
        select
            account_dates.account_id,
            account_dates.score_date,
            0 as is_downgrade,
            0 as is_dispute,
            1 as is_failure
        from account_dates
        inner join payments
            on
                account_dates.account_id = payments.account_id
                and cast(payments.attempted_at as date) <= account_dates.score_date
                and cast(payments.attempted_at as date)
                > {{ dbt.dateadd('day', -90, 'account_dates.score_date') }}
        where payments.status = 'failed'
    ) as finance_events
    group by 1, 2
),

wide as (
    select
        account_dates.account_id,
        account_dates.org_id,
        account_dates.score_date,
        -- no invoice issued yet: nothing to judge, so missing (its weight moves elsewhere)
        case
            when first_invoices.first_issued_date <= account_dates.score_date
                then coalesce(invoice_windows.finance_max_days_past_due, 0)
        end as finance_max_days_past_due,
        case
            when mrr.mrr_reporting > 0
                then coalesce(invoice_windows.overdue_amount_reporting, 0) / mrr.mrr_reporting
        end as finance_overdue_share_of_mrr,
        coalesce(event_counts.finance_downgrades_90d, 0) as finance_downgrades_90d,
        coalesce(event_counts.finance_disputes_180d, 0) as finance_disputes_180d,
        coalesce(event_counts.finance_payment_failures_90d, 0) as finance_payment_failures_90d
    from account_dates
    left join first_invoices
        on account_dates.account_id = first_invoices.account_id
    left join invoice_windows
        on
            account_dates.account_id = invoice_windows.account_id
            and account_dates.score_date = invoice_windows.score_date
    left join mrr
        on
            account_dates.account_id = mrr.account_id
            and account_dates.score_date = mrr.score_date
    left join event_counts
        on
            account_dates.account_id = event_counts.account_id
            and account_dates.score_date = event_counts.score_date
),

final as (
    {{ unpivot_factors('wide', [
        'finance_max_days_past_due',
        'finance_overdue_share_of_mrr',
        'finance_downgrades_90d',
        'finance_disputes_180d',
        'finance_payment_failures_90d',
    ]) }}
)

select * from final
