{#- The grain BI tools slice: one row per usage day, account, team, product, region,
    line item type and allocation method. Every dollar of raw lands in exactly one row. -#}
with

line_items as (

    select * from {{ ref('int_line_items_attributed') }}

),

final as (

    select
        usage_date,
        billing_period,
        usage_account_id,
        team,
        allocation_method,
        product_code,
        region_code,
        line_item_type,
        charge_category,
        currency_code,
        sum(unblended_cost) as billed_cost,
        sum(public_on_demand_cost) as list_cost,
        sum(usage_amount) as usage_amount,
        count(*) as line_item_count

    from line_items
    group by
        usage_date,
        billing_period,
        usage_account_id,
        team,
        allocation_method,
        product_code,
        region_code,
        line_item_type,
        charge_category,
        currency_code

)

select * from final
