{#- Apache Spark's spellings of what the other engines write alike (dbt-spark, session or thrift).
    The project's SQL names types as PostgreSQL and DuckDB do; Spark parses `varchar` only with a
    length and knows neither `text` nor `double precision`: the type names of the seeds' column_types
    and the models' contracts go through sibyl_spark_type. -#}
{% macro sibyl_spark_type(data_type) -%}
    {%- set spark_types = {'varchar': 'string', 'text': 'string', 'double precision': 'double'} -%}
    {{- spark_types.get(data_type | trim | lower, data_type) -}}
{%- endmacro %}


{#- The project's float type: double precision on PostgreSQL and DuckDB (DuckDB's `float` is 4 bytes). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'sibyl')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    {{ return('double precision') }}
{%- endmacro %}

{% macro spark__type_double() -%}
    {{ return('double') }}
{%- endmacro %}


{#- A contract's declared types, for the comparison with the model's query (dbt's default, through sibyl_spark_type). -#}
{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set translated = {} -%}
    {%- for name, column in columns.items() -%}
        {%- set copy = column.copy() if column is mapping else column -%}
        {%- if column is mapping and column.get('data_type') -%}
            {%- do copy.update({'data_type': sibyl_spark_type(column['data_type'])}) -%}
        {%- endif -%}
        {%- do translated.update({name: copy}) -%}
    {%- endfor -%}
    {{ return(default__get_empty_schema_sql(translated)) }}
{%- endmacro %}


{#- A seed's table (dbt-spark's, with the column_types translated). -#}
{% macro spark__create_csv_table(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}
    {% set sql %}
        create table {{ this.render() }} (
            {%- for col_name in agate_table.column_names -%}
                {%- set type = sibyl_spark_type(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
                {{ adapter.quote_seed_column(col_name | string, quote_seed_column) }} {{ type }}{{ ", " if not loop.last }}
            {%- endfor -%}
        )
        {{ file_format_clause() }}
    {% endset %}
    {% call statement('_') -%}
        {{ sql }}
    {%- endcall %}
    {{ return(sql) }}
{% endmacro %}


{#- A seed's rows as literals: dbt-spark's session method pastes bindings into the SQL unescaped, so a
    quote or a backslash in a cell (a regex of tag_value_aliases.csv) would break or change the value.
    Spark string literals escape both with a backslash. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(sibyl_spark_type(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    {%- if value is none -%}
                        cast(null as {{ types[loop.index0] }})
                    {%- else -%}
                        cast('{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ types[loop.index0] }})
                    {%- endif -%}
                    {{- ", " if not loop.last -}}
                {%- endfor -%}){{ "," if not loop.last }}
            {% endfor -%}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}


{#- dbt-spark's listagg drops the order (collect_list); Spark 4 has the standard aggregate. -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error("listagg: limit_num is not supported on Spark") }}
    {%- endif -%}
    listagg({{ measure }}, {{ delimiter_text }}){% if order_by_clause %} within group ({{ order_by_clause }}){% endif %}
{%- endmacro %}


{#- dbt-spark's dateadd stops the query on a null date (assert_true); a null is a null on the other engines. -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}


{#- dbt-spark's datediff stops the query on a null date too. -#}
{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- if datepart != 'day' -%}
        {{ exceptions.raise_compiler_error("datediff: only days on Spark in this project, not " ~ datepart) }}
    {%- endif -%}
    datediff({{ second_date }}, {{ first_date }})
{%- endmacro %}


{#- Spark's own catalog has no grants: dbt-spark asks `show grants on` before it re-applies a table's grants
    (an incremental model, built before), which plain Spark refuses. Marts grant nothing on Spark (only
    PostgreSQL has the BI role); a cluster's catalog (Unity Catalog, Ranger) keeps its own grants. -#}
{% macro spark__apply_grants(relation, grant_config, should_revoke=True) -%}
{%- endmacro %}
