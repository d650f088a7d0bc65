{#- Every resource the inventory holds now: for each place (account, region, resource type), what
    its latest complete read listed, with its current tags normalized, the team that owns it, whether
    it is compliant and what it cost in the 30-day window. A resource a later complete read of its
    place no longer lists is gone; a place whose latest read failed keeps its last complete state. -#}
with

judged as (

    select * from {{ ref('int_resources_judged') }}
    where is_in_inventory

),

final as (

    select
        account_id,
        resource_id,
        region,
        resource_type,
        arn,
        resource_name,
        resource_state,
        created_at,
        tag_set_id,
        team_tag_value,
        service_tag_value,
        environment,
        team,
        allocation_method,
        is_compliant,
        missing_tags,
        invalid_tags,
        effective_cost_30d,
        billed_cost_30d,
        first_seen_at,
        last_seen_at,
        scan_id,
        scanned_at,
        is_carried_forward

    from judged

)

select * from final
