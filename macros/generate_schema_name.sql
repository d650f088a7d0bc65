{#- Schemas are named exactly raw / seeds / staging / intermediate / marts on every target,
    not dbt's default <target_schema>_<custom>, so BI tools and grants see stable names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
