{#- Every line item with exactly one team and how it was found (macros/attribution.sql: team tag,
    service tag, the usage account's owner, else unallocated: kept, never dropped). Plus the FOCUS
    charge category and the amortized (effective) cost. -#}
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
        {{ attributed_team('owners', 'account_owners') }} as team,
        {{ allocation_method('owners', 'account_owners') }} as allocation_method

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
