{#- The grain of a model: no two rows share these columns (nulls count as equal values).
    `new_loads_only`: on CUR line items, only the loads this build rebuilds (macros/test_scope.sql). -#}
{% test unique_combination(model, columns, new_loads_only=false) %}

select
    {{ columns | join(', ') }},
    count(*) as row_count
from {{ model }}
where {{ new_loads_filter(new_loads_only) }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
