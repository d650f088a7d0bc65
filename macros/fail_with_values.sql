{#- Used by the seed tests (tests/generic/seed_checks.sql): stop the build with one message that
    names the CSV, the problem and the offending values; return the rows like any dbt test. -#}
{% macro fail_with_values(model, rows_sql, problem) %}
    {% if execute %}
        {% set found = run_query(rows_sql) %}
        {% if found.rows | length > 0 %}
            {% set values = found.columns[0].values() | map('string') | list %}
            {{ exceptions.raise_compiler_error(
                "seeds/" ~ model.identifier ~ ".csv: " ~ problem ~ ": " ~ (values[:5] | join(", "))
                ~ (" (and " ~ (values | length - 5) ~ " more)" if values | length > 5 else "")) }}
        {% endif %}
    {% endif %}
    {{ rows_sql }}
{% endmacro %}


{#- A seed written before a column existed (valid_from) is one line saying what to add, not a SQL error. -#}
{% macro require_seed_column(model, column) %}
    {% if execute %}
        {% set columns = adapter.get_columns_in_relation(model) | map(attribute='name') | map('lower') | list %}
        {% if column not in columns %}
            {{ exceptions.raise_compiler_error(
                "seeds/" ~ model.identifier ~ ".csv: no " ~ column ~ " column: add it as the last column of the header "
                ~ "(empty cells: each row holds since forever)") }}
        {% endif %}
    {% endif %}
{% endmacro %}
