{#- A table: small (per tag key, value or set), read by every build of the line items, and it
    keeps the chain of views from staging to the marts short. -#}
{{ config(materialized='table') }}

{#- Each distinct (normalized key, source value) with its canonical value: the highest-priority
    alias whose regex matches the trimmed lower-case value (ties: pattern), else that value itself. -#}
with

tag_sets as (

    select * from {{ ref('stg_cur__tag_sets') }}

),

tag_keys as (

    select * from {{ ref('int_tag_keys_normalized') }}

),

aliases as (

    select * from {{ ref('tag_value_aliases') }}

),

source_values as (

    select distinct
        tag_keys.normalized_key,
        tag_sets.tag_value,
        lower(trim(tag_sets.tag_value)) as cleaned_value

    from tag_sets
    inner join tag_keys
        on tag_sets.tag_key = tag_keys.tag_key

),

matches as (

    select
        source_values.normalized_key,
        source_values.tag_value,
        aliases.normalized_value,
        row_number() over (
            partition by source_values.normalized_key, source_values.tag_value
            order by aliases.priority desc, aliases.pattern
        ) as alias_rank

    from source_values
    inner join aliases
        on source_values.normalized_key = lower(trim(aliases.normalized_key))
        and {{ regex_matches('source_values.cleaned_value', 'aliases.pattern') }}

),

final as (

    select
        source_values.normalized_key,
        source_values.tag_value,
        coalesce(matches.normalized_value, source_values.cleaned_value) as normalized_value,
        matches.normalized_value is not null as is_aliased

    from source_values
    left join matches
        on source_values.normalized_key = matches.normalized_key
        and source_values.tag_value = matches.tag_value
        and matches.alias_rank = 1

)

select * from final
