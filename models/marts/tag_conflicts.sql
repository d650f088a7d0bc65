{#- Tag sets where two source keys read as the same normalized key carry different values
    (`Team=payments`, `team=search`): which value Sibyl used and which it ignored, to fix at the source. -#}
with

normalized as (

    select * from {{ ref('int_tag_sets_normalized') }}

),

resolved as (

    select * from {{ ref('int_tag_sets_resolved') }}

),

conflicting as (

    select
        tag_set_id,
        normalized_key

    from normalized
    group by tag_set_id, normalized_key
    having count(distinct normalized_value) > 1

),

source_tags as (

    select
        normalized.tag_set_id,
        normalized.normalized_key,
        {{ dbt.listagg(
            "normalized.tag_key || '=' || normalized.tag_value", "'; '", "order by normalized.tag_key"
        ) }} as source_tags,
        count(*) as source_key_count

    from normalized
    inner join conflicting
        on normalized.tag_set_id = conflicting.tag_set_id
        and normalized.normalized_key = conflicting.normalized_key
    group by normalized.tag_set_id, normalized.normalized_key

),

final as (

    select
        source_tags.tag_set_id,
        source_tags.normalized_key,
        source_tags.source_tags,
        source_tags.source_key_count,
        resolved.source_tag_key as chosen_tag_key,
        resolved.normalized_value as chosen_value

    from source_tags
    inner join resolved
        on source_tags.tag_set_id = resolved.tag_set_id
        and source_tags.normalized_key = resolved.normalized_key

)

select * from final
