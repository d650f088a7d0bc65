{#- Post-hook of every model (dbt_project.yml): on PostgreSQL, a table just written gets its statistics
    at once, so the models built on it next plan their joins with its real size. Autovacuum would analyze
    it only later, and a server may run without it; a plan made on no statistics nests loops over a
    table of millions of rows. Views have no statistics; other engines gather their own. -#}
{% macro analyze_table() -%}
    {{ return(adapter.dispatch('analyze_table', 'sibyl')()) }}
{%- endmacro %}

{% macro default__analyze_table() -%}
{%- endmacro %}

{% macro postgres__analyze_table() -%}
    {%- if model.config.materialized in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
