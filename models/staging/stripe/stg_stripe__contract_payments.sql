-- Stripe charges in the columns of billing.payments: every attempt, succeeded or failed, with
-- its failure reason (the issuer's decline reason, outcome_reason, else failure_code). A charge
-- without a customer (a guest payment) is its invoice's customer's. Pending charges (no outcome
-- yet) and test-mode charges are left out (stg_stripe__reconciliation counts them).

with

charges as (
    select * from {{ ref('stg_stripe__charges') }}
    where is_livemode and coalesce(status, '') != 'pending'
),

invoices as (
    select * from {{ ref('stg_stripe__invoices') }}
),

identity as (
    -- the CRM account each Stripe customer maps to, and that account's tenant
    select
        account_map.*,
        crm_accounts.org_id as account_org_id
    from {{ ref('int_identity__account_map') }} as account_map
    left join {{ ref('stg_crm__accounts') }} as crm_accounts
        on account_map.crm_account_id = crm_accounts.account_id
    where account_map.source_system = 'stripe'
),

joined as (

    select
        charges.*,
        coalesce(charges.customer_id, invoices.customer_id) as payer_id,
        identity.crm_account_id,
        identity.account_org_id,
        identity.source_account_id as identity_customer_id,
        identity.match_status,
        identity.match_detail
    from charges
    left join invoices
        on charges.invoice_id = invoices.invoice_id
    left join identity
        on coalesce(charges.customer_id, invoices.customer_id) = identity.source_account_id

),

{%- set mapping = stripe_mapping(
    stripe_identity_checks('payer_id')
    + [
        ("status not in ('succeeded', 'failed') or status is null", 'unknown_status',
            dbt.concat(["'charge status '", "coalesce(status, '(none)')", "' is not one the adapter maps'"])),
    ]
    + stripe_currency_checks('currency')
) %}

final as (

    select
        charge_id as payment_id,
        invoice_id,
        crm_account_id as account_id,
        {{ stripe_to_major('amount_minor', 'currency') }} as amount,
        upper(currency) as currency,
        created_at as attempted_at,
        status,
        case
            when status = 'failed' then coalesce(outcome_reason, failure_code)
        end as failure_reason,
        account_org_id as org_id,
        loaded_at as _loaded_at,
        is_deleted as _is_deleted,
        {{ mapping.issue }} as _mapping_issue,
        {{ mapping.detail }} as _mapping_detail
    from joined

)

select * from final
