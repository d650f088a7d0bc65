{#- One metric statistic of int_cloudwatch_metrics_daily rows, aggregated over the rows grouped as fits it:
    `avg` the mean of its datapoints (each period weighs the same), `sum` their total, `max` and `min` the
    extreme, `days` the days with at least one datapoint. Null where the rows hold none. -#}
{% macro metric_aggregate(metric_name, statistic, aggregate) -%}
    {%- set picked = "metric_name = '" ~ metric_name ~ "' and statistic = '" ~ statistic ~ "'" -%}
    {%- if aggregate == 'avg' -%}
        sum(case when {{ picked }} then value_sum end) / nullif(sum(case when {{ picked }} then datapoint_count end), 0)
    {%- elif aggregate == 'sum' -%}
        sum(case when {{ picked }} then value_sum end)
    {%- elif aggregate == 'max' -%}
        max(case when {{ picked }} then value_max end)
    {%- elif aggregate == 'min' -%}
        min(case when {{ picked }} then value_min end)
    {%- elif aggregate == 'days' -%}
        count(distinct case when {{ picked }} then metric_date end)
    {%- else -%}
        {{ exceptions.raise_compiler_error("metric_aggregate: unknown aggregate '" ~ aggregate ~ "' (avg, sum, max, min, days)") }}
    {%- endif -%}
{%- endmacro %}


{#- A number as text with `places` decimals, the same on every engine (evidence a person reads). -#}
{% macro decimal_text(expression, places=2) -%}
    cast(cast({{ expression }} as decimal(18, {{ places }})) as {{ dbt.type_string() }})
{%- endmacro %}


{#- A list var as SQL string literals, for `in (...)`. -#}
{% macro quoted_list(values) -%}
    {%- for value in values -%}'{{ value | replace("'", "''") }}'{{ ", " if not loop.last }}{%- endfor -%}
{%- endmacro %}
