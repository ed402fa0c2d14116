-- Nothing is lost between raw and staging: for every raw table,
-- raw rows = staged rows + duplicate versions + quarantined rows (quarantine_reconciliation).
-- Returns the tables where that does not hold, and a row if a raw table is missing from it.

with

reconciliation as (

    select * from {{ ref('quarantine_reconciliation') }}

),

unbalanced as (

    select
        raw_table,
        unaccounted_rows
    from reconciliation
    where unaccounted_rows != 0

),

missing as (

    select
        'tables reconciled: ' || cast(count(*) as {{ dbt.type_string() }}) as raw_table,
        cast(null as {{ dbt.type_bigint() }}) as unaccounted_rows
    from reconciliation
    having count(*) != {{ raw_tables() | length }}

)

select * from unbalanced
union all
select * from missing
