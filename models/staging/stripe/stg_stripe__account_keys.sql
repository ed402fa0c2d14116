-- What int_identity__account_map matches a Stripe customer on: one row per live customer, with
-- the CRM account id from its metadata (key: var stripe_crm_id_metadata_key), else from the
-- metadata of its current subscriptions (where some billing integrations write it), and the
-- domain of its email. Test-mode customers (livemode = false) are no customer's.

with

customers as (
    select * from {{ ref('stg_stripe__customers') }}
    where is_livemode
),

subscription_ids as (

    select
        customer_id,
        min(explicit_crm_id) as explicit_crm_id,
        count(distinct explicit_crm_id) as explicit_crm_ids
    from {{ ref('stg_stripe__subscriptions') }}
    where is_current and is_livemode and explicit_crm_id is not null
    group by 1

),

final as (

    select
        'stripe' as source_system,
        customers.customer_id as source_account_id,
        customers.customer_name as source_account_name,
        coalesce(
            customers.explicit_crm_id,
            -- subscriptions that disagree carry no usable id
            case
                when subscription_ids.explicit_crm_ids = 1 then subscription_ids.explicit_crm_id
            end
        ) as explicit_crm_id,
        {{ normalize_domain('customers.email') }} as domain,  -- noqa: RF04
        cast(null as {{ dbt.type_string() }}) as org_id,
        customers.is_deleted
    from customers
    left join subscription_ids
        on customers.customer_id = subscription_ids.customer_id

)

select * from final
