{#- A table: small (per tag key, value or set), read by every build of the line items, and it
    keeps the chain of views from staging to the marts short. -#}
{{ config(materialized='table') }}

{#- Each distinct source tag key (dozens, not millions) read through tag_rules: the active rule
    with the highest priority (ties: rule_name) decides the normalized key. -#}
with

tag_sets as (

    select * from {{ ref('stg_cur__tag_sets') }}

),

rules as (

    select * from {{ ref('tag_rules') }}
    where is_active

),

source_keys as (

    select distinct
        tag_key,
        {{ stripped_tag_key('tag_key') }} as stripped_key

    from tag_sets

),

matches as (

    select
        source_keys.tag_key,
        rules.rule_name,
        rules.normalized_key,
        rules.priority,
        row_number() over (
            partition by source_keys.tag_key
            order by rules.priority desc, rules.rule_name
        ) as rule_rank

    from source_keys
    inner join rules
        on source_keys.stripped_key = lower(trim(rules.tag_key))
        or (coalesce(rules.pattern, '') <> '' and {{ regex_matches('source_keys.stripped_key', 'rules.pattern') }})

),

final as (

    select
        source_keys.tag_key,
        source_keys.stripped_key,
        coalesce(lower(trim(matches.normalized_key)), source_keys.stripped_key) as normalized_key,
        matches.rule_name as matched_rule,
        coalesce(matches.priority, 0) as rule_priority

    from source_keys
    left join matches
        on source_keys.tag_key = matches.tag_key
        and matches.rule_rank = 1

)

select * from final
