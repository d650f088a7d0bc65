{#- One text row per row of each seed (its name, then every cell; a null is not an empty string), and
    one per var, for int_build_inputs_digest to hash. The columns are read from the warehouse, so a
    column added to a seed counts without editing this. -#}
{% macro inputs_digest_rows(seeds, var_names) -%}
    {%- for seed in seeds %}
        {%- set cells = ["'" ~ seed ~ "'"] -%}
        {%- for column in (adapter.get_columns_in_relation(ref(seed)) if execute else []) -%}
            {%- do cells.append("'|'") -%}
            {%- do cells.append("coalesce(cast(" ~ adapter.quote(column.name) ~ " as " ~ dbt.type_string() ~ "), '<null>')") -%}
        {%- endfor %}
    select {{ dbt.concat(cells) }} as row_text from {{ ref(seed) }}
    union all
    {%- endfor %}
    {%- for name in var_names %}
    select cast('var {{ name }}={{ var(name) | string | replace("'", "''") }}' as {{ dbt.type_string() }}) as row_text
    {{- ' union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- Stop the build when the project has a seed the digest does not read: a change to it would not
    rebuild the incremental models' periods. -#}
{% macro check_inputs_digest_seeds(seeds) -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'seed' and node.package_name == project_name -%}
            {%- if node.name not in seeds -%}
                {{ exceptions.raise_compiler_error(
                    "seed " ~ node.name ~ " is not in int_build_inputs_digest's list: add it there, so that a change"
                    ~ " to it rebuilds every billing period of the incremental models"
                ) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
