{#- Free text with every email address replaced by [email] and every phone number by [phone].

    The base models pass free text (names, notes, subjects, open vocabularies) through this
    macro, and quarantine details keep only masked_excerpt() of a raw value, so that no email
    or phone leaves the raw layer as written (the contacts' own email and phone columns are
    hashed instead: hash_pii). A null stays null.

    The patterns (pii_patterns) are written for three regular expression engines at once:
    RE2 (DuckDB), Postgres' ARE and Java's (Spark). They use only what the three read the
    same way: bracket expressions (no backslash, which Spark's string literals would eat), no
    lookaround (RE2 has none), and a phone's left boundary as a captured group put back in
    the replacement, since the three spell a word boundary differently. -#}
{% macro mask_pii(expression) -%}
    {%- set patterns = pii_patterns() -%}
    {%- set emails_masked = replace_all_matches(
        'cast(' ~ expression ~ ' as ' ~ dbt.type_string() ~ ')', patterns['email'], '[email]'
    ) -%}
    {{ replace_all_matches(emails_masked, patterns['phone'], '[phone]', keep_first_group=true) }}
{%- endmacro %}

{#- At most `length` characters of a raw value, masked first: what a quarantine detail may
    show of a value. -#}
{% macro masked_excerpt(expression, length=40) -%}
    substr({{ mask_pii(expression) }}, 1, {{ length }})
{%- endmacro %}

{#- The two patterns. Emails are masked first, so a phone inside an address goes with it.

    email: local part @ domain with a dot and a top-level domain of two letters or more.

    phone, after a boundary (the start, or a character that is not a letter, digit, _ . + / or
    -, so that ids like INV-2026-00012 and versions like v1.555.123.4567 are left alone), one of:
    - international: + and at least 8 digits, separated by at most two of space ( ) . -
      (+44 20 7946 0958, +1 (555) 123-4567, +442079460958);
    - an area code in parentheses, then 7 digits or more ((555) 123-4567, (03) 1234-0042);
    - a national number starting with 0: 3 to 5 digits, groups of 2 to 4, and a last group of
      4 or more (0049-30-1234567, 020 7946 0958); 2 to 5 digits, a group of 3 or 4, a last
      group of 4 or more (03-1234-5678); 2 to 5 digits and one group of 6 or more
      (030 1234567); or five pairs (01 23 45 67 89);
    - a North American number: 3, 3 and 4 digits (555.123.4567, 555-123-4567).
    Separators are space, dot and hyphen. Ordinary numbers stay: amounts (1,234.50, 1 234 567,
    123.456.789), dates (2026-01-05, 05.01.2026, 31/01/2026), times, and numbers without
    separators; a + and 8 digits or more is taken for a phone. -#}
{% macro pii_patterns() -%}
    {{ return({
        'email': '[A-Za-z0-9._+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)*[.][A-Za-z]{2,}',
        'phone': '(^|[^0-9A-Za-z_.+/-])('
            ~ '[+][0-9]([ ().-]{0,2}[0-9]){7,}'
            ~ '|[(][0-9]{2,5}[)][ .-]?[0-9]{3,4}[ .-]?[0-9]{4,}'
            ~ '|0[0-9]{2,4}([ .-][0-9]{2,4})+[ .-][0-9]{4,}'
            ~ '|0[0-9]{1,4}[ .-][0-9]{3,4}[ .-][0-9]{4,}'
            ~ '|0[0-9]{1,4}[ .-][0-9]{6,}'
            ~ '|0[1-9]([ .-][0-9]{2}){4}'
            ~ '|[1-9][0-9]{2}[ .-][0-9]{3}[ .-][0-9]{4,}'
            ~ ')',
    }) }}
{%- endmacro %}

{#- Every match of `pattern` in a text expression replaced by `replacement` (with
    `keep_first_group`, after what the pattern's first group matched). Dispatched: DuckDB and
    Postgres replace only the first match without the 'g' flag and write a group as \1; the
    default three-argument regexp_replace (Spark) replaces every match and writes it as $1. -#}
{% macro replace_all_matches(expression, pattern, replacement, keep_first_group=false) -%}
    {{ return(adapter.dispatch('replace_all_matches', 'customer_health')(
        expression, pattern, replacement, keep_first_group
    )) }}
{%- endmacro %}

{% macro default__replace_all_matches(expression, pattern, replacement, keep_first_group) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ "$1" if keep_first_group }}{{ replacement }}')
{%- endmacro %}

{% macro postgres__replace_all_matches(expression, pattern, replacement, keep_first_group) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ "\\1" if keep_first_group }}{{ replacement }}', 'g')
{%- endmacro %}

{% macro duckdb__replace_all_matches(expression, pattern, replacement, keep_first_group) -%}
    {{ postgres__replace_all_matches(expression, pattern, replacement, keep_first_group) }}
{%- endmacro %}
