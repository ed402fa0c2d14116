{#- Snapshots on Spark without Delta (parquet tables): dbt-spark's own snapshot materialization
    refuses any file format but delta, iceberg or hudi, because it applies the changes with
    MERGE. This override (the root project's materialization wins over the adapter's) does the
    same with what parquet has: the snapshot staging rows (dbt's snapshot_staging_table: inserts,
    updates and deletes) are combined with the current table into a new table, which then
    overwrites the snapshot. Spark cannot overwrite a table it reads in the same statement,
    hence the intermediate table. It rewrites the whole snapshot on each run, which is fine for
    one row per account and score change; on a real cluster use Delta, where dbt-spark's own
    materialization runs (file_format: delta).

    Only the check and timestamp strategies with hard_deletes ignore or invalidate are handled
    (this project's snapshot: check, invalidate); dbt_valid_to_current is not. -#}
{% materialization snapshot, adapter='spark' %}
  {%- set file_format = config.get('file_format') or 'parquet' -%}
  {%- if file_format in ['delta', 'iceberg', 'hudi'] -%}
    {#- a real cluster: dbt-spark's own materialization (MERGE) -#}
    {{ return(dbt.materialization_snapshot_spark()) }}
  {%- endif -%}

  {%- set target_table = model.get('alias', model.get('name')) -%}
  {%- set strategy_name = config.get('strategy') -%}
  {%- set grant_config = config.get('grants') -%}
  {%- if config.get('hard_deletes') == 'new_record' or config.get('dbt_valid_to_current') -%}
    {% do exceptions.raise_compiler_error(
        "the parquet snapshot takes hard_deletes ignore or invalidate, without dbt_valid_to_current") %}
  {%- endif -%}

  {% set target_relation_exists, target_relation = get_or_create_relation(
          database=none, schema=model.schema, identifier=target_table, type='table') -%}

  {% if not adapter.check_schema_exists(model.database, model.schema) %}
    {% do create_schema(model.schema) %}
  {% endif %}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {% set strategy_macro = strategy_dispatch(strategy_name) %}
  {% set strategy = strategy_macro(model, "snapshotted_data", "source_data", model['config'], target_relation_exists) %}
  {% set columns = config.get("snapshot_table_column_names") or get_snapshot_table_column_names() %}

  {% if not target_relation_exists %}

    {% set build_sql = build_snapshot_table(strategy, model['compiled_code']) %}
    {% call statement('main') %}
      {{ create_table_as(False, target_relation, build_sql) }}
    {% endcall %}

  {% else %}

    {{ adapter.valid_snapshot_target(target_relation, columns) }}
    {% set staging_table = spark_build_snapshot_staging_table(strategy, sql, target_relation) %}
    {% set missing_columns = adapter.get_missing_columns(staging_table, target_relation)
        | rejectattr('name', 'equalto', 'dbt_change_type')
        | rejectattr('name', 'equalto', 'dbt_unique_key')
        | list %}
    {% do create_columns(target_relation, missing_columns) %}

    {% set target_columns = adapter.get_columns_in_relation(target_relation)
        | map(attribute='name') | list %}
    {% set new_relation = target_relation.incorporate(
        path={"identifier": target_relation.identifier ~ '__dbt_new'}) %}
    {% do adapter.drop_relation(new_relation) %}

    {% call statement('build_new_snapshot') %}
      create table {{ new_relation }} using parquet as
      select
        {%- for name in target_columns %}
          {% if name == columns.dbt_valid_to -%}
            case
              when changed.{{ columns.dbt_scd_id }} is not null
                then changed.{{ columns.dbt_valid_to }}
              else current_rows.{{ name }}
            end as {{ adapter.quote(name) }}
          {%- else -%}
            current_rows.{{ adapter.quote(name) }}
          {%- endif %}{{ ',' if not loop.last }}
        {%- endfor %}
      from {{ target_relation }} as current_rows
      left join (
        select * from {{ staging_table }} where dbt_change_type in ('update', 'delete')
      ) as changed
        on changed.{{ columns.dbt_scd_id }} = current_rows.{{ columns.dbt_scd_id }}
        and current_rows.{{ columns.dbt_valid_to }} is null
      union all
      select
        {%- for name in target_columns %}
          {{ adapter.quote(name) }}{{ ',' if not loop.last }}
        {%- endfor %}
      from {{ staging_table }}
      where dbt_change_type = 'insert'
    {% endcall %}

    {% call statement('main') %}
      insert overwrite table {{ target_relation }}
      select
        {%- for name in target_columns %}
          {{ adapter.quote(name) }}{{ ',' if not loop.last }}
        {%- endfor %}
      from {{ new_relation }}
    {% endcall %}

    {% do adapter.drop_relation(new_relation) %}

  {% endif %}

  {% set should_revoke = should_revoke(target_relation_exists, full_refresh_mode) %}
  {% do apply_grants(target_relation, grant_config, should_revoke) %}
  {% do persist_docs(target_relation, model) %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {% if staging_table is defined %}
    {% do post_snapshot(staging_table) %}
  {% endif %}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
