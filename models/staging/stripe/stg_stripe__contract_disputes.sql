-- Stripe disputes in the columns of billing.disputes: the invoice and the customer are the
-- disputed charge's (a guest charge's customer is its invoice's). Inquiries (warning_*) are
-- disputes, the others chargebacks; needs_response and under_review (and their warning_ forms)
-- are open, warning_closed (an inquiry closed without a chargeback) is won, charge_refunded
-- (closed by refunding the charge) is lost. Test-mode disputes are left out.

with

disputes as (
    select * from {{ ref('stg_stripe__disputes') }}
    where is_livemode
),

charges as (
    select * from {{ ref('stg_stripe__charges') }}
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
        disputes.*,
        charges.charge_id as known_charge_id,
        charges.invoice_id,
        coalesce(charges.customer_id, invoices.customer_id) as payer_id,
        identity.crm_account_id,
        identity.account_org_id,
        identity.source_account_id as identity_customer_id,
        identity.match_status,
        identity.match_detail
    from disputes
    left join charges
        on disputes.charge_id = charges.charge_id
    left join invoices
        on charges.invoice_id = invoices.invoice_id
    left join identity
        on coalesce(charges.customer_id, invoices.customer_id) = identity.source_account_id

),

mapped as (

    select
        *,
        case
            when status like 'warning%' then 'dispute'
            when status is not null then 'chargeback'
        end as dispute_type,
        case
            when status in (
                'needs_response', 'under_review', 'warning_needs_response', 'warning_under_review'
            ) then 'open'
            when status in ('won', 'warning_closed') then 'won'
            when status in ('lost', 'charge_refunded') then 'lost'
        end as contract_status
    from joined

),

{%- set mapping = stripe_mapping(
    [
        ('known_charge_id is null', 'unknown_charge', dbt.concat([
            "'disputed charge '", "coalesce(charge_id, '(none)')", "' is not in the charge table'"])),
    ]
    + stripe_identity_checks('payer_id')
    + [
        ('contract_status is null', 'unknown_status',
            dbt.concat(["'dispute status '", "coalesce(status, '(none)')", "' is not one the adapter maps'"])),
    ]
    + stripe_currency_checks('currency')
) %}

final as (

    select
        dispute_id,
        invoice_id,
        crm_account_id as account_id,
        {{ stripe_to_major('amount_minor', 'currency') }} as amount,
        upper(currency) as currency,
        dispute_type,
        created_at as opened_at,
        contract_status as status,
        account_org_id as org_id,
        loaded_at as _loaded_at,
        is_deleted as _is_deleted,
        {{ mapping.issue }} as _mapping_issue,
        {{ mapping.detail }} as _mapping_detail
    from mapped

)

select * from final
