{#- The sum of `value` over the rows whose `day` falls from `first_day` to `last_day` (both included):
    the one way the team views and their tests add a window's cost. -#}
{% macro sum_between(value, day, first_day, last_day) -%}
    sum(case when {{ day }} between {{ first_day }} and {{ last_day }} then {{ value }} else 0 end)
{%- endmacro %}
