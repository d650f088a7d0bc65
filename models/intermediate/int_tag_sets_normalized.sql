{#- A table: small (per tag or tag set), read by every build of the line items, and it
    keeps the chain of views from staging to the marts short. -#}
{{ config(materialized='table') }}

{#- Every tag of every distinct tag set, original spelling next to the normalized one. Rules and
    aliases are read once per distinct key and per distinct value (dozens), not per tag:
    - a key is read through tag_rules: the active rule with the highest priority (ties: rule_name)
      names the normalized key, else the stripped key is kept;
    - a value's canonical spelling is the highest-priority alias of its key whose regex matches the
      trimmed lower-case value (ties: pattern), else that value itself. -#}
with

tag_sets as (

    select * from {{ ref('int_tag_sets') }}

),

rules as (

    select * from {{ ref('tag_rules') }}
    where is_active

),

aliases as (

    select * from {{ ref('tag_value_aliases') }}

),

source_keys as (

    select distinct
        tag_key,
        {{ stripped_tag_key('tag_key') }} as stripped_key

    from tag_sets

),

rule_matches as (

    select
        source_keys.tag_key,
        rules.rule_name,
        rules.normalized_key,
        rules.priority,
        row_number() over (
            partition by source_keys.tag_key
            order by rules.priority desc, rules.rule_name asc
        ) as rule_rank

    from source_keys
    inner join rules
        on source_keys.stripped_key = lower(trim(rules.tag_key))
        or (coalesce(rules.pattern, '') <> '' and {{ regex_matches('source_keys.stripped_key', 'rules.pattern') }})

),

tag_keys as (

    select
        source_keys.tag_key,
        rule_matches.rule_name as matched_rule,
        coalesce(lower(trim(rule_matches.normalized_key)), source_keys.stripped_key) as normalized_key,
        coalesce(rule_matches.priority, 0) as rule_priority

    from source_keys
    left join rule_matches
        on source_keys.tag_key = rule_matches.tag_key
        and rule_matches.rule_rank = 1

),

keyed as (

    select
        tag_sets.tag_set_id,
        tag_sets.tag_key,
        tag_sets.tag_value,
        tag_keys.normalized_key,
        tag_keys.matched_rule,
        tag_keys.rule_priority

    from tag_sets
    inner join tag_keys
        on tag_sets.tag_key = tag_keys.tag_key

),

source_values as (

    select distinct
        normalized_key,
        tag_value,
        lower(trim(tag_value)) as cleaned_value

    from keyed

),

alias_matches as (

    select
        source_values.normalized_key,
        source_values.tag_value,
        aliases.normalized_value,
        row_number() over (
            partition by source_values.normalized_key, source_values.tag_value
            order by aliases.priority desc, aliases.pattern asc
        ) as alias_rank

    from source_values
    inner join aliases
        on source_values.normalized_key = lower(trim(aliases.normalized_key))
        and {{ regex_matches('source_values.cleaned_value', 'aliases.pattern') }}

),

tag_values as (

    select
        source_values.normalized_key,
        source_values.tag_value,
        coalesce(alias_matches.normalized_value, source_values.cleaned_value) as normalized_value,
        alias_matches.normalized_value is not null as is_aliased

    from source_values
    left join alias_matches
        on source_values.normalized_key = alias_matches.normalized_key
        and source_values.tag_value = alias_matches.tag_value
        and alias_matches.alias_rank = 1

),

final as (

    select
        keyed.tag_set_id,
        keyed.tag_key,
        keyed.tag_value,
        keyed.normalized_key,
        tag_values.normalized_value,
        tag_values.is_aliased,
        keyed.matched_rule,
        keyed.rule_priority

    from keyed
    inner join tag_values
        on keyed.normalized_key = tag_values.normalized_key
        and keyed.tag_value = tag_values.tag_value

)

select * from final
