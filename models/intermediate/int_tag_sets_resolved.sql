{#- A table: small (per tag or tag set), read by every build of the line items, and it
    keeps the chain of views from staging to the marts short. -#}
{{ config(materialized='table') }}

{#- One value per (tag set, normalized key). When two source keys of a set normalize to the same
    key (`Team=payments`, `team=search`), the key read by the higher-priority rule wins, then the
    alphabetically first source key: the same answer on every run and engine. Such sets are
    listed in marts.tag_conflicts. -#}
with

normalized as (

    select * from {{ ref('int_tag_sets_normalized') }}

),

ranked as (

    select
        normalized.*,
        row_number() over (
            partition by normalized.tag_set_id, normalized.normalized_key
            order by normalized.rule_priority desc, normalized.tag_key asc
        ) as key_rank,
        count(*) over (partition by normalized.tag_set_id, normalized.normalized_key) as source_key_count

    from normalized

),

final as (

    select
        tag_set_id,
        normalized_key,
        normalized_value,
        tag_key as source_tag_key,
        tag_value as source_tag_value,
        source_key_count

    from ranked
    where key_rank = 1

)

select * from final
