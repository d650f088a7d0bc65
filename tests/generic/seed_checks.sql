{#- Seed tests that stop the build with a message naming the CSV and the offending values, so
    the finance person who edited the file knows exactly what to fix. Each test still returns
    its offending rows, like any dbt test. -#}

{% test seed_unique(model, column_name) %}
    {{ fail_with_values(model,
        "select " ~ column_name ~ " as value from " ~ model ~ " group by " ~ column_name ~ " having count(*) > 1",
        column_name ~ " is duplicated") }}
{% endtest %}


{% test seed_unique_combination(model, columns) %}
    {{ fail_with_values(model,
        "select " ~ columns | join(" || ' / ' || ") ~ " as value from " ~ model ~ " group by " ~ columns | join(", ") ~ " having count(*) > 1",
        columns | join(" + ") ~ " is duplicated") }}
{% endtest %}


{% test seed_not_empty(model, column_name, row_label) %}
    {{ fail_with_values(model,
        "select " ~ row_label ~ " as value from " ~ model ~ " where coalesce(trim(" ~ column_name ~ "), '') = ''",
        column_name ~ " is empty for " ~ row_label) }}
{% endtest %}


{% test seed_parent_exists(model, column_name, to, field) %}
    {{ fail_with_values(model,
        "select distinct child." ~ column_name ~ " as value from " ~ model ~ " child where child." ~ column_name ~ " is not null"
        ~ " and not exists (select 1 from " ~ to ~ " parent where parent." ~ field ~ " = child." ~ column_name ~ ")",
        column_name ~ " names no row of " ~ to.identifier ~ ".csv") }}
{% endtest %}


{% test seed_valid_regex(model, column_name) %}
    {{ fail_with_values(model, invalid_regex_rows_sql(model, column_name),
        column_name ~ " is not a valid regular expression on " ~ target.type) }}
{% endtest %}
