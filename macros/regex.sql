{#- Regex is the one place engines disagree in spelling; everything else in the project is portable SQL. -#}

{% macro regex_matches(value, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'sibyl')(value, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(value, pattern) -%}
    regexp_like({{ value }}, {{ pattern }})
{%- endmacro %}

{% macro duckdb__regex_matches(value, pattern) -%}
    regexp_matches({{ value }}, {{ pattern }})
{%- endmacro %}

{% macro postgres__regex_matches(value, pattern) -%}
    ({{ value }} ~ {{ pattern }})
{%- endmacro %}

{% macro spark__regex_matches(value, pattern) -%}
    ({{ value }} rlike {{ pattern }})
{%- endmacro %}


{#- Rows of `relation` whose `column` does not compile as a regex on this engine. -#}
{% macro invalid_regex_rows_sql(relation, column) -%}
    {{ return(adapter.dispatch('invalid_regex_rows_sql', 'sibyl')(relation, column)) }}
{%- endmacro %}

{% macro duckdb__invalid_regex_rows_sql(relation, column) -%}
    select {{ column }} as value from {{ relation }}
    where coalesce({{ column }}, '') <> '' and try(regexp_matches('', {{ column }})) is null
{%- endmacro %}

{% macro postgres__invalid_regex_rows_sql(relation, column) -%}
    {#- PostgreSQL has no try(): a small function catches the error for each pattern. -#}
    {% if execute %}
        {% do run_query("
            create or replace function " ~ relation.schema ~ ".sibyl_regex_is_valid(pattern text) returns boolean
            language plpgsql immutable as $body$
            begin
                perform '' ~ pattern;
                return true;
            exception when invalid_regular_expression then
                return false;
            end
            $body$") %}
    {% endif %}
    select {{ column }} as value from {{ relation }}
    where coalesce({{ column }}, '') <> '' and not {{ relation.schema }}.sibyl_regex_is_valid({{ column }})
{%- endmacro %}
