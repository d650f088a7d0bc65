{#- Every line item with exactly one team and how it was found, in this order:
    1. team_tag: a `team` tag naming a known team;
    2. service_tag: a `service` tag naming a known service, whose team owns it;
    3. account_owner: the usage account's owner in account_owners.csv;
    4. unallocated: kept, never dropped.
    Plus the FOCUS charge category and the amortized (effective) cost. -#}
with

line_items as (

    select * from {{ ref('stg_cur__line_items') }}

),

owners as (

    select * from {{ ref('int_tag_set_owners') }}

),

account_owners as (

    select * from {{ ref('account_owners') }}

),

attributed as (

    select
        line_items.*,
        owners.environment,
        owners.tagged_service as service,
        case
            when owners.tagged_team is not null then owners.tagged_team
            when owners.service_team is not null then owners.service_team
            when account_owners.team is not null then account_owners.team
            else 'unallocated'
        end as team,
        case
            when owners.tagged_team is not null then 'team_tag'
            when owners.service_team is not null then 'service_tag'
            when account_owners.team is not null then 'account_owner'
            else 'unallocated'
        end as allocation_method

    from line_items
    left join owners
        on line_items.tag_set_id = owners.tag_set_id
    left join account_owners
        on line_items.usage_account_id = account_owners.account_id

),

final as (

    select
        attributed.*,
        {{ charge_category('line_item_type') }} as charge_category,
        {{ effective_cost() }} as effective_cost

    from attributed

)

select * from final
