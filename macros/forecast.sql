{#- The median of `value` in each group: an ordered-set aggregate on PostgreSQL and DuckDB alike. -#}
{% macro median(value) -%}
    {{ return(adapter.dispatch('median', 'sibyl')(value)) }}
{%- endmacro %}

{% macro default__median(value) -%}
    percentile_cont(0.5) within group (order by {{ value }})
{%- endmacro %}


{#- Day of the week of a date, 0 = Sunday … 6 = Saturday, as an integer on every engine. -#}
{% macro day_of_week(day) -%}
    {{ return(adapter.dispatch('day_of_week', 'sibyl')(day)) }}
{%- endmacro %}

{% macro default__day_of_week(day) -%}
    cast(extract(dow from {{ day }}) as integer)
{%- endmacro %}

{#- Spark's `dow` counts 1 = Sunday … 7 = Saturday. -#}
{% macro spark__day_of_week(day) -%}
    (dayofweek({{ day }}) - 1)
{%- endmacro %}


{#- The column of fct_cost_daily that var cost_basis names (checked by team_cost_column). -#}
{% macro fct_cost_column() -%}
    {{ 'billed_cost' if team_cost_column() == 'unblended_cost' else 'effective_cost' }}
{%- endmacro %}


{#- One row per whole number from 1 to `last`, as `n`: the days ahead of an origin in its month. -#}
{% macro numbers_to(last) -%}
    {%- for n in range(1, last + 1) %}
    select {{ n }} as n{% if not loop.last %} union all{% endif %}
    {%- endfor %}
{%- endmacro %}


{#- Pre-hook of the forecast and anomaly models (inside the model's transaction, so `set local` ends with it).
    PostgreSQL estimates one row for each materialized CTE of their rolling 28-day windows and picks nested
    loops over ~100,000 rows (minutes on the demo), and its JIT compiles the plan for seconds: hash joins
    and no JIT build them in about a second. The anomalies' drivers group millions of line items at 10M lines:
    PostgreSQL's default 4 MB of sort memory makes it spill them to disk. A no-op on other engines. -#}
{% macro window_planner_settings() -%}
    {{ return(adapter.dispatch('window_planner_settings', 'sibyl')()) }}
{%- endmacro %}

{% macro default__window_planner_settings() -%}
{%- endmacro %}

{% macro postgres__window_planner_settings() -%}
    set local enable_nestloop = off;
    set local jit = off;
    set local work_mem = '256MB'
{%- endmacro %}
