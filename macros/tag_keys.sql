{#- A source tag key as tag rules see it: trimmed, lower-cased, without the spelling each CUR
    format adds to user tags (`user:` in CSV, `resource_tags_user_` in legacy Parquet, `user_` in
    CUR 2.0 maps). AWS-generated tags keep an `aws:` prefix so they never collide with user tags. -#}
{% macro stripped_tag_key(key) -%}
    case
        when lower(trim({{ key }})) like 'resource!_tags!_user!_%' escape '!' then substr(lower(trim({{ key }})), 20)
        when lower(trim({{ key }})) like 'resource!_tags!_aws!_%' escape '!' then 'aws:' || substr(lower(trim({{ key }})), 19)
        when lower(trim({{ key }})) like 'user:%' then substr(lower(trim({{ key }})), 6)
        when lower(trim({{ key }})) like 'user!_%' escape '!' then substr(lower(trim({{ key }})), 6)
        when lower(trim({{ key }})) like 'aws!_%' escape '!' then 'aws:' || substr(lower(trim({{ key }})), 5)
        else lower(trim({{ key }}))
    end
{%- endmacro %}
