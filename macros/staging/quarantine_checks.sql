{#- The checks that send a raw row to quarantine instead of staging.

    Each base model lists its checks as (condition, reason, detail) triples built by the
    macros below, in priority order, and `quarantine_columns(checks)` turns them into two
    columns: `quarantine_reason` (the first failing check's code, null when every check
    passes) and `quarantine_detail` (what was wrong, with a masked excerpt of the value: see
    detail_text). Conditions use the columns of the base model's `joined` CTE. The reason codes
    are listed, one by one, with their tests, in docs/bad_input.md. -#}
{% macro quarantine_columns(checks) -%}
    case
        {%- for condition, reason, detail in checks %}
        when {{ condition }} then '{{ reason }}'
        {%- endfor %}
    end as quarantine_reason,
    case
        {%- for condition, reason, detail in checks %}
        when {{ condition }} then {{ detail }}
        {%- endfor %}
    end as quarantine_detail
{%- endmacro %}

{#- An amount as text with two decimals, the same on every engine; beyond 10^13 (where a fixed
    decimal would overflow) the engine's own text form. -#}
{% macro format_amount(expression) -%}
    case
        when abs({{ expression }}) < 10000000000000 then {{ format_number(expression, 2) }}
        else cast({{ expression }} as {{ dbt.type_string() }})
    end
{%- endmacro %}

{#- Text for a detail: literals are quoted, the rest (parts starting with '=') are SQL
    expressions whose value is shown as a masked excerpt (masked_excerpt: emails and phones
    replaced, at most 40 characters), never as the whole raw value. -#}
{% macro detail_text(parts) -%}
    {%- set out = [] -%}
    {%- for part in parts -%}
        {%- if part is string and part.startswith('=') -%}
            {%- do out.append("coalesce(" ~ masked_excerpt(part[1:]) ~ ", 'null')") -%}
        {%- else -%}
            {%- do out.append("'" ~ (part | replace("'", "''")) ~ "'") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(dbt.concat(out)) }}
{%- endmacro %}

{#- missing_key: the key is null or blank (all such rows collapse into one, counted),
    conflicting_duplicate: versions of a key loaded at the same instant with different content,
    and missing_required_value for a row without _loaded_at (no way to tell its version). -#}
{% macro key_checks(key_name) -%}
    {{ return([
        ('record_key is null', 'missing_key',
            detail_text([key_name ~ ' is null or empty in ', '=source_versions', ' row(s)'])),
        ('conflicting_versions > 0', 'conflicting_duplicate',
            detail_text([key_name ~ ' ', '=record_key', ' has ', '=conflicting_versions',
                ' versions with the same _loaded_at and different content'])),
        ('loaded_at is null', 'missing_required_value', "'_loaded_at is null'"),
    ]) }}
{%- endmacro %}

{#- unmatched_identity / ambiguous_identity / unmappable_row: a connector's mapping view
    (docs/connectors.md) could not map the row onto the contract: its account record matched no
    CRM account, or several (with the candidates in the detail), or a value had no mapping. -#}
{% macro mapping_checks() -%}
    {{ return([
        ("mapping_issue = 'unmatched_identity'", 'unmatched_identity',
            "coalesce(mapping_detail, 'no CRM account matched')"),
        ("mapping_issue = 'ambiguous_identity'", 'ambiguous_identity',
            "coalesce(mapping_detail, 'several CRM accounts matched')"),
        ('mapping_issue is not null', 'unmappable_row',
            dbt.concat(["mapping_issue", "': '", "coalesce(mapping_detail, '')"])),
    ]) }}
{%- endmacro %}

{#- missing_required_value: a column the source contract requires is null or empty, where
    staging would pass the null on (and its not_null test would stop the build). `columns` are
    the base model's column names, or (column, raw name) pairs where staging renames it. -#}
{% macro required_checks(columns) -%}
    {%- set checks = [] -%}
    {%- for column in columns -%}
        {%- set name = column if column is string else column[0] -%}
        {%- set raw_name = column if column is string else column[1] -%}
        {%- do checks.append(
            (name ~ ' is null', 'missing_required_value', "'" ~ raw_name ~ " is null or empty'")
        ) -%}
    {%- endfor -%}
    {{ return(checks) }}
{%- endmacro %}

{#- unknown_reference: the row names a parent (an invoice, a subscription) that its staging
    model does not have (never loaded, or quarantined). Pass the same (column, model, field)
    triple to quarantine_checked's `references`, which joins the known values. -#}
{% macro reference_checks(column, parent_table) -%}
    {{ return([
        (column ~ ' is not null and known_' ~ column ~ ' is null', 'unknown_reference',
            detail_text([column ~ ' ', '=' ~ column, ' is not in ' ~ parent_table])),
    ]) }}
{%- endmacro %}

{#- unparseable_number / unparseable_date: a text column holds a value that is not one. -#}
{% macro unparseable_checks() -%}
    {{ return([
        ('unparseable_number is not null', 'unparseable_number', 'unparseable_number'),
        ('unparseable_date is not null', 'unparseable_date', 'unparseable_date'),
    ]) }}
{%- endmacro %}

{#- The first column of `columns` ((name, kind) pairs) whose text does not parse, as a detail;
    null when all parse. Renders a constant null when none of them is a text column. -#}
{% macro unparseable_detail(columns, text_columns) -%}
    {%- set failing = [] -%}
    {%- for name, kind in columns -%}
        {%- if name | lower in text_columns -%}
            {%- do failing.append((name, kind)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if failing -%}
        case
            {%- for name, kind in failing %}
            when {{ is_unparseable(name, kind, text_columns) }}
                then {{ detail_text([name ~ ' "', '=trim(' ~ name ~ ')', '" is not a ' ~ ('number' if kind in ('numeric', 'integer') else kind)]) }}
            {%- endfor %}
        end
    {%- else -%}
        cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}

{#- missing_account_id / unknown_account: the row names no account, or one that crm.accounts
    does not have (or quarantined). -#}
{% macro account_checks() -%}
    {{ return([
        ('account_id is null', 'missing_account_id', "'account_id is null'"),
        ('known_account_id is null', 'unknown_account',
            detail_text(['account_id ', '=account_id', ' is not in crm.accounts'])),
    ]) }}
{%- endmacro %}

{#- timestamp_before_1990, and timestamp_after_load: the row says it happened more than a day
    after the connector loaded it, which is impossible (a clock or time zone error). -#}
{% macro timestamp_checks(column, after_load=true) -%}
    {%- set checks = [
        (column ~ " < " ~ "cast('1990-01-01' as date)", 'timestamp_before_1990',
            detail_text([column ~ ' ', '=' ~ column, ' is before 1990'])),
    ] -%}
    {%- if after_load -%}
        {%- do checks.append(
            (column ~ " > " ~ dbt.dateadd('day', 1, 'loaded_at'), 'timestamp_after_load',
                detail_text([column ~ ' ', '=' ~ column, ' is after the row was loaded (', '=loaded_at', ')']))
        ) -%}
    {%- endif -%}
    {{ return(checks) }}
{%- endmacro %}

{#- negative_amount and absurd_amount (above var('absurd_amount'), in the row's currency). -#}
{% macro amount_checks(column, raw_name) -%}
    {{ return([
        (column ~ ' < 0', 'negative_amount',
            detail_text([raw_name ~ ' ', '=' ~ format_amount(column), ' is negative'])),
        (column ~ ' > ' ~ var('absurd_amount'), 'absurd_amount',
            detail_text([raw_name ~ ' ', '=' ~ format_amount(column), ' is above ' ~ var('absurd_amount')])),
    ]) }}
{%- endmacro %}

{#- unknown_currency: the code is not in seeds/fx_rates.csv, so the amount cannot be converted. -#}
{% macro currency_checks() -%}
    {{ return([
        ('known_currency is null', 'unknown_currency',
            detail_text(['currency ', '=currency', ' is not in seeds/fx_rates.csv'])),
    ]) }}
{%- endmacro %}

{#- An order two columns must respect: `later` is not before `earlier` when both are set. -#}
{% macro order_check(earlier, later, reason) -%}
    {{ return([
        (later ~ ' < ' ~ earlier, reason,
            detail_text([later ~ ' ', '=' ~ later, ' is before ' ~ earlier ~ ' ', '=' ~ earlier])),
    ]) }}
{%- endmacro %}

{#- A value outside its documented range. -#}
{% macro range_check(column, low, high) -%}
    {{ return([
        (column ~ ' < ' ~ low ~ ' or ' ~ column ~ ' > ' ~ high, 'value_out_of_range',
            detail_text([column ~ ' ', '=' ~ column, ' is outside ' ~ low ~ '-' ~ high])),
    ]) }}
{%- endmacro %}

{#- activity_after_account_deleted: the account was soft-deleted, and this row is dated after
    the deletion was loaded. Activity before it stays, as history. -#}
{% macro deleted_account_checks(column) -%}
    {{ return([
        ('account_is_deleted and ' ~ column ~ ' > account_deleted_at', 'activity_after_account_deleted',
            detail_text(['account ', '=account_id', ' was deleted at ', '=account_deleted_at',
                '; ' ~ column ~ ' is ', '=' ~ column])),
    ]) }}
{%- endmacro %}

{#- The accounts and currencies the checks compare against, as CTEs over the relations the
    base model passes in (its own ref()s: stg_crm__accounts, fx_rates). -#}
{% macro known_accounts_cte(accounts_relation) -%}
    known_accounts as (

        select
            account_id as known_account_id,
            is_deleted as account_is_deleted,
            loaded_at as account_deleted_at,
            created_date as account_created_date
        from {{ accounts_relation }}

    )
{%- endmacro %}

{% macro known_currencies_cte(currencies_relation) -%}
    known_currencies as (

        select distinct currency_code as known_currency
        from {{ currencies_relation }}

    )
{%- endmacro %}

{#- non_positive_seats: a licence of 0 (or fewer) seats cannot be used, and would divide the
    seat utilisation by zero. -#}
{% macro seat_checks(column) -%}
    {{ return([
        (column ~ ' <= 0', 'non_positive_seats', detail_text([column ~ ' is ', '=' ~ column])),
    ]) }}
{%- endmacro %}

{#- The end of every base model: join what the checks compare against (`accounts`: the staged
    accounts, `currencies`: the fx_rates seed, `references`: (column, relation, field) triples of
    known parents; each a relation the base model refs in its own file), add quarantine_reason
    and quarantine_detail from `checks`, and select every row. Emits CTEs and the final select,
    so it follows the model's last CTE and its comma:
        renamed as (...),
        quarantine_checked('renamed', checks, accounts=ref('stg_crm__accounts'),
            currencies=ref('fx_rates')) in curly braces -#}
{% macro quarantine_checked(relation, checks, accounts=none, currencies=none, references=[]) -%}
    {%- if accounts is not none %}
    {{ known_accounts_cte(accounts) }},
    {%- endif %}
    {%- if currencies is not none %}

    {{ known_currencies_cte(currencies) }},
    {%- endif %}
    {%- for column, parent, field in references %}

    known_{{ column }}s as (

        select distinct {{ field }} as known_{{ column }}
        from {{ parent }}

    ),
    {%- endfor %}

    joined as (

        select
            {{ relation }}.*
            {%- if accounts is not none %},
            known_accounts.*
            {%- endif %}
            {%- if currencies is not none %},
            known_currencies.known_currency
            {%- endif %}
            {%- for column, model, field in references %},
            known_{{ column }}s.known_{{ column }}
            {%- endfor %}
        from {{ relation }}
        {%- if accounts is not none %}
        left join known_accounts
            on {{ relation }}.account_id = known_accounts.known_account_id
        {%- endif %}
        {%- if currencies is not none %}
        left join known_currencies
            on {{ relation }}.currency = known_currencies.known_currency
        {%- endif %}
        {%- for column, model, field in references %}
        left join known_{{ column }}s
            on {{ relation }}.{{ column }} = known_{{ column }}s.known_{{ column }}
        {%- endfor %}

    ),

    checked as (

        select
            *,
            {{ quarantine_columns(checks) }}
        from joined

    )

    select * from checked
{%- endmacro %}
