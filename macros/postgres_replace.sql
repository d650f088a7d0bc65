{#- How a build replaces relations on PostgreSQL, so that rebuilding a built warehouse never races.

    dbt's default replaces a view or a table by renaming the old one and dropping it `cascade`, which
    also drops every view built on it. Two threads doing so at once lock those dependent views and
    their rewrite rules (pg_rewrite) in whatever order each finds them; when they share dependents,
    each waits for the other: "deadlock detected", about one rebuild in three with two threads.

    1. A view is replaced in place (`create or replace view`): nothing is dropped, the views built
       on it keep existing (a BI tool never finds one missing, `--select` one view drops nothing
       downstream), and only the view itself is locked. A table is still replaced by dbt's default,
       so the views built on a table are dropped with its old copy and rebuilt downstream.
    2. Whatever is still dropped (the old copy of a rebuilt table, a view whose columns changed in a
       way PostgreSQL cannot replace in place) is dropped one at a time: a transaction-scoped
       advisory lock makes the drops of a build, and of concurrent builds on the database, wait in
       line. Everything else in the build still runs in parallel. -#}

{% materialization view, adapter='postgres' %}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- set grant_config = config.get('grants') -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- if existing_relation is not none and not existing_relation.is_view %}
        {{ drop_relation_if_exists(existing_relation) }}
    {%- endif %}

    {% call statement('main') -%}
        {{ sibyl_create_or_replace_view(target_relation, sql) }}
    {%- endcall %}

    {#- The view keeps its grants when replaced in place: compare them with the config, as for a table
        kept across runs, so a grant taken out of the config is revoked. -#}
    {%- set should_revoke = should_revoke(existing_relation, full_refresh_mode=False) %}
    {%- do apply_grants(target_relation, grant_config, should_revoke=should_revoke) %}
    {%- do persist_docs(target_relation, model) %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}


{#- One statement: replace the view in place, or, when its columns changed in a way PostgreSQL refuses
    to replace (a column dropped, renamed or retyped: SQLSTATE 42P16), drop it with the views built
    on it (downstream, so this run rebuilds them) and create it anew, in line with the other drops. -#}
{% macro sibyl_create_or_replace_view(relation, sql) -%}
{%- if '$sibyl_' in sql -%}
    {{ exceptions.raise_compiler_error(model.original_file_path ~ ": '$sibyl_' would end the dollar quotes this view is replaced in; rename it") }}
{%- endif -%}
do $sibyl_view$
begin
    execute $sibyl_sql$ create or replace view {{ relation }} as (
{{ sql }}
) $sibyl_sql$;
exception when invalid_table_definition then
    perform pg_advisory_xact_lock({{ sibyl_drop_lock_key() }});
    execute $sibyl_sql$ drop view {{ relation }} cascade $sibyl_sql$;
    execute $sibyl_sql$ create view {{ relation }} as (
{{ sql }}
) $sibyl_sql$;
end
$sibyl_view$
{%- endmacro %}


{#- The lock is the first lock of the drop's transaction, and is held until the drop commits: dbt
    sends COMMIT as a statement and psycopg2 opens the next transaction implicitly with the next one. -#}
{% macro postgres__drop_relation(relation) -%}
    {% call statement('drop_relation', auto_begin=False) -%}
        select pg_advisory_xact_lock({{ sibyl_drop_lock_key() }});
        {{ get_drop_sql(relation) }}
    {%- endcall %}
{% endmacro %}


{#- Two int4 halves, readable in pg_locks, as the loaders' lock (hashtext('sibyl'), hashtext('raw loads')). -#}
{% macro sibyl_drop_lock_key() -%}
    hashtext('sibyl'), hashtext('dbt drops')
{%- endmacro %}
