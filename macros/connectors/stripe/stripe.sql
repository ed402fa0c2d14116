{#- Helpers of the Stripe adapter (models/staging/stripe/, docs/connectors/stripe.md). -#}

{#- A Stripe table as the adapter reads it: {'relation', 'exists', 'present'}. Connectors sync
    only the objects enabled, and an account has `price` or the older `plan` (or both): a table
    missing from the schema reads as no rows (every column a typed null, see stripe_from), not a
    failed build. `present` lists its columns, lower-cased (for connector_column). In a dbt unit
    test the table is a fixture (a CTE) built on the real table's columns: those are read from
    the real table (the stripe_schema and stripe_database vars, as in the sources yml). -#}
{% macro stripe_table(name) -%}
    {%- set relation = source('stripe', name) -%}
    {%- set exists = true -%}
    {%- set present = [] -%}
    {%- if execute -%}
        {%- set fixture = (relation.identifier or '').startswith('__dbt__cte__') -%}
        {%- set found = adapter.get_relation(
            database=var('stripe_database', none) or target.database or none,
            schema=var('stripe_schema', 'stripe'),
            identifier=name,
        ) -%}
        {%- if found is not none -%}
            {%- set present = connector_columns(found) -%}
        {%- elif not fixture -%}
            {%- set exists = false -%}
            {%- set present = ['_stripe_table_missing'] -%}
        {%- endif -%}
    {%- endif -%}
    {{ return({'relation': relation, 'exists': exists, 'present': present}) }}
{%- endmacro %}

{#- The from clause of a Stripe table (aliased `alias`): the table, or one placeholder row
    that stripe_where_exists() filters out when the table is missing. -#}
{% macro stripe_from(table, alias) -%}
    {%- if table.exists -%}
        {{ table.relation }} as {{ alias }}
    {%- else -%}
        (select 1 as stripe_table_missing) as {{ alias }}
    {%- endif -%}
{%- endmacro %}

{% macro stripe_where_exists(table) -%}
    {%- if not table.exists %}
    where 1 = 0
    {%- endif -%}
{%- endmacro %}

{#- A column of a Stripe table (the first of `names` it has), cast to `type`; `default` (a SQL
    expression, null when not given) when the export lacks it. -#}
{% macro stripe_column(table, names, type, default=none, prefix=none) -%}
    {{- connector_column(table.present, names, type, default, prefix) -}}
{%- endmacro %}

{#- The loaded-at timestamp of a row (connector_loaded_at: `_fivetran_synced`, or
    `_fivetran_start` in history mode); null for a missing table. -#}
{% macro stripe_loaded_at(table, prefix=none) -%}
    {%- if table.exists -%}
        {{ connector_loaded_at(table.present, prefix) }}
    {%- else -%}
        cast(null as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}

{#- Whether a row is deleted: `_fivetran_deleted` (var connector_deleted_column) or Stripe's
    own `is_deleted` where the table has it. -#}
{% macro stripe_deleted(table, prefix=none) -%}
    {%- if table.exists -%}
        {{ connector_deleted(table.present, ['is_deleted'], prefix) }}
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}

{#- A number held as text (Stripe's `unit_amount_decimal`), as a double; null when the text is
    no number (never an error). -#}
{% macro stripe_text_number(table, name) -%}
    {%- if table.present and name not in table.present -%}
        cast(null as {{ type_double() }})
    {%- else -%}
        cast({{ adapter.dispatch('try_cast_text', 'customer_health')(
            'trim(cast(' ~ name ~ ' as ' ~ dbt.type_string() ~ '))', 'numeric'
        ) }} as {{ type_double() }})
    {%- endif -%}
{%- endmacro %}

{#- The text value of `key` in a JSON object held as text (Stripe's `metadata`): null when the
    key is absent, the value is null or the text is no JSON object. -#}
{% macro stripe_json_value(column, key) -%}
    {{ return(adapter.dispatch('stripe_json_value', 'customer_health')(column, key)) }}
{%- endmacro %}

{#- Postgres: the text is parsed when it is shaped as an object (Fivetran writes valid JSON,
    as text or jsonb) -#}
{% macro default__stripe_json_value(column, key) -%}
    {%- set text = 'trim(cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ '))' -%}
    case
        when substr({{ text }}, 1, 1) = '{' and substr({{ text }}, {{ dbt.length(text) }}, 1) = '}'
            then cast({{ text }} as json) ->> '{{ key }}'
    end
{%- endmacro %}

{% macro duckdb__stripe_json_value(column, key) -%}
    case
        when json_valid(cast({{ column }} as varchar))
            then json_extract_string(cast({{ column }} as varchar), '$."{{ key }}"')
    end
{%- endmacro %}

{% macro spark__stripe_json_value(column, key) -%}
    get_json_object(cast({{ column }} as string), '$.{{ key }}')
{%- endmacro %}

{#- How many decimals a currency's minor unit has: Stripe's amounts are integers in the
    currency's minor unit (cents: 1000 is 10.00 USD), except for its zero-decimal currencies
    (500 is 500 JPY). var('stripe_currency_decimals') adds or overrides currencies ({code:
    decimals}, e.g. {kwd: 3} for the three-decimal currencies the Stripe API also takes). Null for
    a currency the adapter does not know: its rows are quarantined (unknown_minor_unit) rather
    than converted with a guess. -#}
{% macro stripe_zero_decimal_currencies() -%}
    {{ return(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx',
        'vnd', 'vuv', 'xaf', 'xof', 'xpf']) }}
{%- endmacro %}

{% macro stripe_two_decimal_currencies() -%}
    {#- Stripe's other presentment currencies (ISK, HUF and TWD too: the API keeps two decimals
        for them) -#}
    {{ return(['aed', 'afn', 'all', 'amd', 'ang', 'aoa', 'ars', 'aud', 'awg', 'azn', 'bam',
        'bbd', 'bdt', 'bgn', 'bmd', 'bnd', 'bob', 'brl', 'bsd', 'bwp', 'byn', 'bzd', 'cad', 'cdf',
        'chf', 'cny', 'cop', 'crc', 'cve', 'czk', 'dkk', 'dop', 'dzd', 'egp', 'etb', 'eur', 'fjd',
        'fkp', 'gbp', 'gel', 'gip', 'gmd', 'gtq', 'gyd', 'hkd', 'hnl', 'htg', 'huf', 'idr', 'ils',
        'inr', 'isk', 'jmd', 'kes', 'kgs', 'khr', 'kyd', 'kzt', 'lak', 'lbp', 'lkr', 'lrd', 'lsl',
        'mad', 'mdl', 'mkd', 'mmk', 'mnt', 'mop', 'mur', 'mvr', 'mwk', 'mxn', 'myr', 'mzn', 'nad',
        'ngn', 'nio', 'nok', 'npr', 'nzd', 'pab', 'pen', 'pgk', 'php', 'pkr', 'pln', 'qar', 'ron',
        'rsd', 'rub', 'sar', 'sbd', 'scr', 'sek', 'sgd', 'shp', 'sle', 'sll', 'sos', 'srd', 'std',
        'szl', 'thb', 'tjs', 'top', 'try', 'ttd', 'twd', 'tzs', 'uah', 'usd', 'uyu', 'uzs', 'wst',
        'xcd', 'yer', 'zar', 'zmw']) }}
{%- endmacro %}

{% macro stripe_currency_decimals(currency) -%}
    {%- set code = 'lower(trim(cast(' ~ currency ~ ' as ' ~ dbt.type_string() ~ ')))' -%}
    {%- set overrides = var('stripe_currency_decimals', {}) or {} -%}
    case
        {%- for name, decimals in overrides.items() %}
        when {{ code }} = '{{ name | lower | trim }}' then {{ decimals | int }}
        {%- endfor %}
        when {{ code }} in ('{{ stripe_zero_decimal_currencies() | join("', '") }}') then 0
        when {{ code }} in ('{{ stripe_two_decimal_currencies() | join("', '") }}') then 2
    end
{%- endmacro %}

{#- An amount in minor units as an amount in the currency (a double); null when the currency's
    minor unit is not known (see stripe_currency_decimals). -#}
{% macro stripe_to_major(amount, currency) -%}
    cast({{ amount }} as {{ type_double() }}) / power(10, {{ stripe_currency_decimals(currency) }})
{%- endmacro %}

{#- The mapping issue of a row, for the base models' quarantine (`_mapping_issue`,
    `_mapping_detail`): the first of `checks`, a list of (condition, issue code, detail SQL
    expression), that holds; null when none does. Returns {'issue': sql, 'detail': sql}. -#}
{% macro stripe_mapping(checks) -%}
    {%- set issue -%}
        case
            {%- for condition, code, detail in checks %}
            when {{ condition }} then '{{ code }}'
            {%- endfor %}
        end
    {%- endset -%}
    {%- set detail -%}
        case
            {%- for condition, code, detail in checks %}
            when {{ condition }} then {{ detail }}
            {%- endfor %}
        end
    {%- endset -%}
    {{ return({'issue': issue, 'detail': detail}) }}
{%- endmacro %}

{#- The identity checks of a row whose Stripe customer is `customer`, with the columns of its
    row of int_identity__account_map (left joined on the customer) as match_status,
    match_detail and identity_customer_id (its source_account_id). -#}
{% macro stripe_identity_checks(customer) -%}
    {{ return([
        ("match_status = 'ambiguous'", 'ambiguous_identity', 'match_detail'),
        ("match_status = 'unmatched'", 'unmatched_identity', 'match_detail'),
        ('identity_customer_id is null', 'unmatched_identity', dbt.concat([
            "'stripe customer '", "coalesce(" ~ customer ~ ", '(none)')",
            "' is not in the customer table (or is a test-mode customer)'",
        ])),
    ]) }}
{%- endmacro %}

{#- The check that a currency's minor unit is known (stripe_currency_decimals). -#}
{% macro stripe_currency_checks(currency) -%}
    {{ return([
        (stripe_currency_decimals(currency) ~ ' is null', 'unknown_minor_unit', dbt.concat([
            "'currency '", "coalesce(" ~ currency ~ ", '(none)')",
            "': its minor unit is not known, so its amounts cannot be converted (var stripe_currency_decimals)'",
        ])),
    ]) }}
{%- endmacro %}
