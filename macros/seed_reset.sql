{#- dbt reloads a seed into its existing table (truncate, insert), which fails once the CSV's header
    gained a column, such as valid_from in teams.csv. This override recreates the table when the
    header's columns differ from the table's, and otherwise truncates it as dbt does. -#}
{% macro default__reset_csv_table(model, full_refresh, old_relation, agate_table) %}
    {%- set table_columns = adapter.get_columns_in_relation(old_relation) | map(attribute='name') | map('lower') | list -%}
    {%- set csv_columns = agate_table.column_names | map('lower') | list -%}
    {% if full_refresh or table_columns != csv_columns %}
        {{ adapter.drop_relation(old_relation) }}
        {{ return(create_csv_table(model, agate_table)) }}
    {% endif %}
    {{ adapter.truncate_relation(old_relation) }}
    {{ return("truncate table " ~ old_relation.render()) }}
{% endmacro %}
