{#- On PostgreSQL the marts are readable by one read-only role (var bi_role) that sees nothing
    else. The build creates it NOLOGIN when missing: an administrator decides who logs in as it. -#}

{% macro create_bi_role() %}
    {% if target.type == 'postgres' %}
        do $$
        begin
            if not exists (select 1 from pg_roles where rolname = '{{ var("bi_role") }}') then
                create role {{ adapter.quote(var("bi_role")) }} nologin;
            end if;
        end
        $$;
    {% endif %}
{% endmacro %}


{#- Not on the scratch schemas of `sibyl diff` (SIBYL_SCHEMA_PREFIX): BI tools never read those. -#}
{% macro grant_marts_schema_usage() %}
    {% if target.type == 'postgres' and env_var('SIBYL_SCHEMA_PREFIX', '') == '' %}
        grant usage on schema marts to {{ adapter.quote(var("bi_role")) }};
    {% endif %}
{% endmacro %}
