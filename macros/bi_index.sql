{#- Post-hook (outside the model's transaction, after the old copy of a rebuilt table is dropped): an
    index on the columns BI tools filter a mart by. PostgreSQL only; DuckDB's zone maps and Spark's
    partitions need none. Named after the table and columns, so an incremental table keeps one. -#}
{% macro bi_index(columns) -%}
    {{ return(adapter.dispatch('bi_index', 'sibyl')(columns)) }}
{%- endmacro %}

{% macro default__bi_index(columns) -%}
{%- endmacro %}

{% macro postgres__bi_index(columns) -%}
    create index if not exists {{ adapter.quote((this.identifier ~ '__' ~ columns | join('__'))[:63]) }}
    on {{ this }} ({{ columns | join(', ') }})
{%- endmacro %}
