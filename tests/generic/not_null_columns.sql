{#- None of these columns is null in any row: dbt's not_null for several columns in one query (one test
    node a model, not one a column: each node costs a build ~50 ms however small the table). The rows
    returned say which columns are null. -#}
{% test not_null_columns(model, columns) %}

select
    {% for column in columns -%}
        case when {{ column }} is null then '{{ column }} ' else '' end{{ ' ||' if not loop.last }}
    {% endfor -%} as null_columns
from {{ model }}
where
    {% for column in columns -%}
        {{ column }} is null{{ ' or' if not loop.last }}
    {% endfor %}

{% endtest %}
