-- Every record that says an account bought more, on the date it happened (point in time: an
-- expansion is known from that date on):
-- * a won expansion opportunity (crm.opportunities, opportunity_type 'expansion');
-- * a renewal won above its previous amount: an upsell at renewal;
-- * a plan upgrade, or a seat change that raised the seats (billing.plan_changes).
-- A change that adds less than expansion_min_increase_share of what it started from is not an
-- expansion: a renewal 3% up is price indexation, one seat more on a hundred a swap. A won
-- expansion opportunity without an amount counts. int_expansion__expansions groups the events
-- of one purchase (a won deal and its seat change) into one expansion.
{%- set min_share = var('expansion_min_increase_share') %}

with

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
    where not is_deleted and stage = 'closed_won'
),

plan_changes as (
    select * from {{ ref('stg_billing__plan_changes') }}
    where not is_deleted
),

episodes as (
    select * from {{ ref('int_lifecycle__episodes') }}
),

won_expansions as (
    select
        account_id,
        org_id,
        'opportunity' as source_name,
        'won_expansion_opportunity' as event_type,
        opportunity_id as source_record_id,
        amount_reporting as arr_added_reporting,
        close_date as event_date
    from opportunities
    where
        opportunity_type = 'expansion'
        and (
            amount_local is null
            or previous_amount_local is null
            or previous_amount_local <= 0
            or amount_local >= {{ min_share }} * previous_amount_local
        )
),

renewal_upsells as (
    select
        account_id,
        org_id,
        'opportunity' as source_name,
        'renewal_upsell' as event_type,
        opportunity_id as source_record_id,
        amount_reporting - previous_amount_reporting as arr_added_reporting,
        close_date as event_date
    from opportunities
    where
        opportunity_type = 'renewal'
        and previous_amount_local > 0
        and amount_local >= (1 + {{ min_share }}) * previous_amount_local
),

-- MRR says how much was added; without it, the seats do
billing_increases as (
    select
        account_id,
        org_id,
        'plan_change' as source_name,
        case when change_type = 'upgrade' then 'plan_upgrade' else 'seat_increase' end
            as event_type,
        change_id as source_record_id,
        12 * (mrr_after_reporting - mrr_before_reporting) as arr_added_reporting,
        cast(changed_at as date) as event_date
    from plan_changes
    where
        (change_type = 'upgrade' or (change_type = 'seat_change' and seats_after > seats_before))
        and (
            (mrr_before_local > 0 and mrr_after_local >= (1 + {{ min_share }}) * mrr_before_local)
            or (
                (mrr_before_local is null or mrr_after_local is null or mrr_before_local <= 0)
                and seats_before > 0
                and seats_after >= (1 + {{ min_share }}) * seats_before
            )
        )
),

unioned as (
    select * from won_expansions
    union all
    select * from renewal_upsells
    union all
    select * from billing_increases
),

final as (
    select
        -- ids
        {{ generate_surrogate_key(['unioned.source_name', 'unioned.source_record_id']) }}
            as expansion_event_id,
        unioned.account_id,
        unioned.org_id,
        unioned.source_record_id,
        episodes.episode_number,
        -- dimensions
        unioned.source_name,
        unioned.event_type,
        -- measures
        cast(unioned.arr_added_reporting as {{ type_double() }}) as arr_added_reporting,
        -- dates
        unioned.event_date
    from unioned
    left join episodes
        on
            unioned.account_id = episodes.account_id
            and unioned.event_date >= episodes.episode_start_date
            and (
                episodes.episode_end_date is null
                or unioned.event_date < episodes.episode_end_date
            )
)

select * from final
