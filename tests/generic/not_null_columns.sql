{#- None of these columns is null in any row: dbt's not_null for several columns in one query (one test
    node a model, not one a column: each node costs a build ~50 ms however small the table). The rows
    returned say which columns are null. `new_loads_only`: on CUR line items, only the loads this build
    rebuilds (macros/test_scope.sql). -#}
{% test not_null_columns(model, columns, new_loads_only=false) %}

select
    {% for column in columns -%}
        case when {{ column }} is null then '{{ column }} ' else '' end{{ ' ||' if not loop.last }}
    {% endfor -%} as null_columns
from {{ model }}
where
    {{ new_loads_filter(new_loads_only) }}
    and (
    {% for column in columns -%}
        {{ column }} is null{{ ' or' if not loop.last }}
    {% endfor %}
    )

{% endtest %}
