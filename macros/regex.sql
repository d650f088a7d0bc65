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


{#- Rows of `relation` whose `column` does not compile as a regex on this engine; `where`, when
    given, limits the rows read (a seed whose column holds a regex only on some rows). -#}
{% macro invalid_regex_rows_sql(relation, column, where=none) -%}
    {{ return(adapter.dispatch('invalid_regex_rows_sql', 'sibyl')(relation, column, where)) }}
{%- endmacro %}

{#- Engines without a way to trap a regex error in SQL: read the patterns and reject the ones
    no engine compiles (unbalanced brackets or parentheses, a trailing backslash, a quantifier with
    nothing to repeat). Portable, but only the structure: the engine may still refuse what passes. -#}
{% macro default__invalid_regex_rows_sql(relation, column, where=none) -%}
    {%- set invalid = [] -%}
    {%- if execute -%}
        {%- set patterns = run_query("select distinct " ~ column ~ " from " ~ relation ~ " where " ~ column ~ " is not null" ~ (" and (" ~ where ~ ")" if where else "")).columns[0].values() -%}
        {%- for pattern in patterns if not sibyl_regex_is_well_formed(pattern) -%}
            {%- do invalid.append(pattern) -%}
        {%- endfor -%}
    {%- endif %}
    select {{ column }} as value from {{ relation }}
    {# Standard SQL quoting ('' for '): the portable default knows no engine's escapes. -#}
    where {% if where %}({{ where }}) and {% endif %}{% if invalid %}{{ column }} in ({% for pattern in invalid %}'{{ pattern | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor %}){% else %}1 = 0{% endif %}
{%- endmacro %}

{% macro sibyl_regex_is_well_formed(pattern) -%}
    {%- set state = namespace(depth=0, in_class=false, escaped=false, previous='', ok=true) -%}
    {%- for char in pattern -%}
        {%- if state.escaped -%}
            {%- set state.escaped = false -%}
            {%- set state.previous = 'x' -%}
        {%- elif char == '\\' -%}
            {%- set state.escaped = true -%}
        {%- elif state.in_class -%}
            {%- set state.in_class = char != ']' or state.previous == '[' or state.previous == '^[' -%}
            {%- set state.previous = '^[' if (char == '^' and state.previous == '[') else 'x' -%}
        {%- elif char == '[' -%}
            {%- set state.in_class = true -%}
            {%- set state.previous = '[' -%}
        {%- elif char == '(' -%}
            {%- set state.depth = state.depth + 1 -%}
            {%- set state.previous = '(' -%}
        {%- elif char == ')' -%}
            {%- set state.ok = state.ok and state.depth > 0 -%}
            {%- set state.depth = state.depth - 1 -%}
            {%- set state.previous = 'x' -%}
        {%- elif char in '*+?' -%}
            {#- `a*?` (lazy) and `(?:` are fine; `*` first, after `(` or after `|` repeats nothing. -#}
            {%- set state.ok = state.ok and (state.previous not in ['', '(', '|'] or (char == '?' and state.previous == '(')) -%}
            {%- set state.previous = 'q' -%}
        {%- else -%}
            {%- set state.previous = '|' if char == '|' else 'x' -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(state.ok and state.depth == 0 and not state.in_class and not state.escaped) }}
{%- endmacro %}

{% macro duckdb__invalid_regex_rows_sql(relation, column, where=none) -%}
    select {{ column }} as value from {{ relation }}
    where coalesce({{ column }}, '') <> '' and try(regexp_matches('', {{ column }})) is null
    {%- if where %} and ({{ where }}){% endif %}
{%- endmacro %}

{% macro postgres__invalid_regex_rows_sql(relation, column, where=none) -%}
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
    where coalesce({{ column }}, '') <> ''
    {%- if where %} and ({{ where }}){% endif %}
    and not {{ relation.schema }}.sibyl_regex_is_valid({{ column }})
{%- endmacro %}
