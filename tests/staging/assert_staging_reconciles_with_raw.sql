-- Nothing is lost between raw and staging: for every raw table,
-- raw rows = staged rows + duplicate versions + quarantined rows (quarantine_reconciliation).
-- Returns the tables where that does not hold, or that are missing from the reconciliation.

select raw_table, raw_rows, staged_rows, duplicate_versions, quarantined_rows, unaccounted_rows
from {{ ref('quarantine_reconciliation') }}
where unaccounted_rows != 0

union all

select 'reconciliation covers ' || cast(count(*) as {{ dbt.type_string() }}) || ' tables, not 15', 0, 0, 0, 0, 0
from {{ ref('quarantine_reconciliation') }}
having count(*) != 15
