-- Stripe invoices in the columns of billing.invoices: the total converted from minor units
-- (per currency: zero-decimal currencies have none), issued on the day it was created, due on
-- due_date (send-invoice billing) or, when charged automatically, on the day it was created,
-- paid when status_transitions_paid_at says. Drafts (never issued) and test-mode invoices are
-- left out (stg_stripe__reconciliation counts them); a deleted customer still owns its invoices.

with

invoices as (
    select * from {{ ref('stg_stripe__invoices') }}
    where is_livemode and coalesce(status, '') != 'draft'
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
        invoices.*,
        identity.crm_account_id,
        identity.account_org_id,
        identity.source_account_id as identity_customer_id,
        identity.match_status,
        identity.match_detail
    from invoices
    left join identity
        on invoices.customer_id = identity.source_account_id

),

{%- set mapping = stripe_mapping(
    stripe_identity_checks('customer_id')
    + [
        ("status not in ('open', 'paid', 'void', 'uncollectible') or status is null", 'unknown_status',
            dbt.concat(["'invoice status '", "coalesce(status, '(none)')", "' is not one the adapter maps'"])),
    ]
    + stripe_currency_checks('currency')
) %}

final as (

    select
        invoice_id,
        crm_account_id as account_id,
        {{ stripe_to_major('total_minor', 'currency') }} as amount,
        upper(currency) as currency,
        cast(created_at as date) as issued_date,
        cast(coalesce(due_at, created_at) as date) as due_date,
        cast(paid_at as date) as paid_date,
        status,
        account_org_id as org_id,
        loaded_at as _loaded_at,
        is_deleted as _is_deleted,
        {{ mapping.issue }} as _mapping_issue,
        {{ mapping.detail }} as _mapping_detail
    from joined

)

select * from final
