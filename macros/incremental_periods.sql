{#- Incremental builds by billing period (docs/architecture.md, "Incremental builds").

    A model built this way stores, on each row, the load that wrote it (`load_id`), the digest of what
    attribution reads besides raw (`inputs_digest`: int_build_inputs_digest) and the dbt run
    (`dbt_invocation_id`). An incremental run rebuilds only the billing periods whose current load,
    or the digest, is not what the model's rows carry; rows of a load no longer current (a period
    restated, or gone from raw) are deleted first. -#}


{#- The one place the strategy is chosen: replace whole billing periods. delete+insert on DuckDB and
    PostgreSQL (the periods rebuilt are deleted, then inserted, in one transaction); Spark will
    overwrite the table's billing-period partitions. -#}
{% macro period_incremental_strategy() -%}
    {{ return(adapter.dispatch('period_incremental_strategy', 'sibyl')()) }}
{%- endmacro %}

{% macro default__period_incremental_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__period_incremental_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}


{#- The table's partitioning, chosen with the strategy: Spark overwrites whole billing-period partitions
    (dynamic partition overwrite: only the periods the query returns); none elsewhere. -#}
{% macro period_partition_by() -%}
    {{ return(adapter.dispatch('period_partition_by', 'sibyl')()) }}
{%- endmacro %}

{% macro default__period_partition_by() -%}
    {{ return(none) }}
{%- endmacro %}

{% macro spark__period_partition_by() -%}
    {{ return(['billing_period']) }}
{%- endmacro %}


{#- The model's filter on its billing-period column: every period on a full build, else the periods to
    rebuild, as literals (so PostgreSQL can prune raw's partitions and DuckDB skip row groups). -#}
{% macro periods_to_build_filter(column='billing_period') -%}
    {%- if not is_incremental() -%}
        1 = 1
    {%- else -%}
        {%- set periods = periods_to_build() -%}
        {%- if periods | length == 0 -%}
            1 = 0
        {%- else -%}
            {{ column }} in (
                {%- for period in periods -%}
                    cast('{{ period }}' as date){{ ', ' if not loop.last }}
                {%- endfor -%}
            )
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#- Billing periods whose current load is not in the model with today's inputs digest: restated or new
    periods, or every period when a seed or an attribution var changed. Run when the model compiles,
    after its parents are built. -#}
{% macro periods_to_build() -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set built_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- if 'inputs_digest' not in built_columns -%}
        {{ exceptions.raise_compiler_error(
            this ~ " was built by a Sibyl whose builds were not incremental (it has no inputs_digest column):"
            ~ " run `sibyl build --full-refresh` (or dbt build --full-refresh) once"
        ) }}
    {%- endif -%}
    {%- set query = loads_not_built_query('billing_period', ref('stg_cur__loads'), this, ref('int_build_inputs_digest')) -%}
    {%- set periods = run_query(query).columns[0].values() | map('string') | list -%}
    {%- do log(this.identifier ~ ': rebuilding billing period(s) ' ~ (periods | join(', ') or 'none'), info=False) -%}
    {{ return(periods) }}
{%- endmacro %}


{#- `column` (billing_period or load_id) of the published loads that `built` does not hold with today's
    inputs digest: what an incremental build rebuilds. -#}
{% macro loads_not_built_query(column, loads, built, digest) -%}
    select distinct loads.{{ column }}
    from {{ loads }} as loads
    where
        loads.status = 'published'
        and loads.load_id not in (
            select built.load_id
            from {{ built }} as built
            where built.inputs_digest = (select digest.inputs_digest from {{ digest }} as digest)
        )
    order by loads.{{ column }}
{%- endmacro %}


{#- Pre-hook: delete the rows written from a load that is no longer the current one of its period (the
    period was restated, or is gone from raw); the periods restated are then rebuilt. -#}
{% macro delete_rows_of_replaced_loads() -%}
    {{ return(adapter.dispatch('delete_rows_of_replaced_loads', 'sibyl')()) }}
{%- endmacro %}

{% macro default__delete_rows_of_replaced_loads() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where load_id not in (
            select loads.load_id from {{ ref('stg_cur__loads') }} as loads where loads.status = 'published'
        )
    {%- endif -%}
{%- endmacro %}

{#- Spark has no `delete` on a Parquet table: a restated period is rebuilt, its partition overwritten
    whole; a period with no published load any more loses its partition. -#}
{% macro spark__delete_rows_of_replaced_loads() -%}
    {%- if is_incremental() and execute -%}
        {%- set query -%}
            select distinct built.billing_period
            from {{ this }} as built
            where built.billing_period not in (
                select loads.billing_period from {{ ref('stg_cur__loads') }} as loads where loads.status = 'published'
            )
        {%- endset -%}
        {%- for period in run_query(query).columns[0].values() -%}
            {%- do run_query("alter table " ~ this ~ " drop if exists partition (billing_period = date '" ~ period ~ "')") -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{#- The columns that say which build wrote a row: the inputs digest and the dbt run. The digest is a
    scalar subquery, computed once: PostgreSQL recomputed a cross-joined view of it on every row of a
    nested loop (int_resource_costs_daily: 69 s of a 2M-line restatement, now a few). -#}
{% macro build_columns() -%}
    (select digest.inputs_digest from {{ ref('int_build_inputs_digest') }} as digest) as inputs_digest,
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as dbt_invocation_id
{%- endmacro %}
