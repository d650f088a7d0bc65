{#- History of the seeds that change over time (teams' business unit, account owners, service owners).
    A row holds from its valid_from (none: since forever) until the next row of the same key. The var
    `hierarchy` picks which row a day reads: `as_was` (default), the row valid that day; `as_is`, the
    key's latest row for every day (today's hierarchy rewrites the past). -#}

{#- The first day a seed row holds: its valid_from, or for a row without one the first day there is. -#}
{% macro seed_valid_from(column) -%}
    coalesce(cast(nullif(trim({{ column }}), '') as date), cast('1900-01-01' as date))
{%- endmacro %}

{#- The day the next row of the same key takes over (exclusive); null for the latest row. -#}
{% macro seed_valid_to(key) -%}
    lead(valid_from) over (partition by {{ key }} order by valid_from)
{%- endmacro %}

{#- Is the row of `history` (an alias with valid_from, valid_to, is_current) the one `day` reads? -#}
{% macro valid_on(history, day) -%}
    {%- set mode = var('hierarchy') -%}
    {%- if mode == 'as_is' -%}
        {{ history }}.is_current
    {%- elif mode == 'as_was' -%}
        ({{ day }} >= {{ history }}.valid_from and ({{ history }}.valid_to is null or {{ day }} < {{ history }}.valid_to))
    {%- else -%}
        {{ exceptions.raise_compiler_error("var hierarchy must be as_was or as_is, not '" ~ mode ~ "'") }}
    {%- endif -%}
{%- endmacro %}
