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


{% test seed_valid_regex(model, column_name, rows_where=none) %}
    {{ fail_with_values(model, invalid_regex_rows_sql(model, column_name, rows_where),
        column_name ~ " is not a valid regular expression on " ~ target.type) }}
{% endtest %}


{#- A seed with a history (valid_from): one row per key and valid_from; a key may have several rows. -#}
{% test seed_unique_per_valid_from(model, column_name) %}
    {{ require_seed_column(model, 'valid_from') }}
    {{ fail_with_values(model,
        "select " ~ column_name ~ " || coalesce(' (valid_from ' || valid_from || ')', '') as value from " ~ model
        ~ " group by " ~ column_name ~ ", valid_from having count(*) > 1",
        column_name ~ " is duplicated (give each row of its history another valid_from)") }}
{% endtest %}


{#- A date as YYYY-MM-DD, or empty. The seed reads it as text, so a typo is this line, not a cast error. -#}
{% test seed_valid_date(model, column_name, row_label) %}
    {{ require_seed_column(model, column_name) }}
    {{ fail_with_values(model,
        "select " ~ row_label ~ " || ': ' || " ~ column_name ~ " as value from " ~ model
        ~ " where coalesce(trim(" ~ column_name ~ "), '') <> '' and not "
        ~ regex_matches("trim(" ~ column_name ~ ")", "'^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$'"),
        column_name ~ " is not a date (write YYYY-MM-DD, or leave it empty for since forever) for " ~ row_label) }}
{% endtest %}


{% test seed_accepted_values(model, column_name, values, row_label) %}
    {{ fail_with_values(model,
        "select " ~ row_label ~ " || ': ' || coalesce(" ~ column_name ~ ", '(empty)') as value from " ~ model
        ~ " where coalesce(" ~ column_name ~ ", '') not in ('" ~ values | join("', '") ~ "')",
        column_name ~ " must be one of " ~ values | join(", ") ~ " for " ~ row_label) }}
{% endtest %}


{#- Exactly one of two columns filled in, per row. -#}
{% test seed_exactly_one_of(model, columns, row_label) %}
    {%- set filled = [] -%}
    {%- for column in columns -%}
        {%- do filled.append("case when coalesce(trim(" ~ column ~ "), '') <> '' then 1 else 0 end") -%}
    {%- endfor %}
    {{ fail_with_values(model,
        "select " ~ row_label ~ " as value from " ~ model ~ " where " ~ filled | join(" + ") ~ " <> 1",
        "give exactly one of " ~ columns | join(", ") ~ " (not both, not neither) for " ~ row_label) }}
{% endtest %}



{#- Rows of resource_owners.csv that match one resource (int_resource_owner_matches) must name one
    owner: finance decides who pays, the order of the rows does not. -#}
{% test resource_owners_agree(model) %}
    {%- set rows_sql = "select resource_id || coalesce(' / ' || nullif(usage_type, ''), '') || ': ' || matched_rows as value from "
        ~ model ~ " where owner_count > 1" -%}
    {% if execute %}
        {% set found = run_query(rows_sql) %}
        {% if found.rows | length > 0 %}
            {% set values = found.columns[0].values() | map('string') | list %}
            {{ exceptions.raise_compiler_error(
                "seeds/resource_owners.csv: rows matching one resource name different owners (keep one, or narrow the patterns): "
                ~ (values[:3] | join(" | ")) ~ (" (and " ~ (values | length - 3) ~ " more)" if values | length > 3 else "")) }}
        {% endif %}
    {% endif %}
    {{ rows_sql }}
{% endtest %}

