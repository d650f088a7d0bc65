{#- Schemas are named exactly raw / seeds / staging / intermediate / marts on every target,
    not dbt's default <target_schema>_<custom>, so BI tools and grants see stable names.
    `sibyl diff` builds a scratch copy beside them on PostgreSQL under a prefix of its own
    (SIBYL_SCHEMA_PREFIX, empty otherwise), reading the same raw tables. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ env_var('SIBYL_SCHEMA_PREFIX', '') }}{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
