{#- The grain BI tools slice: usage day × account × team × service × AWS product × region ×
    charge category × allocation method, with the team's business unit and group of that day (var
    hierarchy). Every dollar of raw lands in exactly one row. -#}
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
        business_unit,
        business_group,
        service,
        product_code,
        region_code,
        charge_category,
        allocation_method,
        currency_code,
        sum(unblended_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        sum(public_on_demand_cost) as list_cost,
        sum(usage_amount) as usage_amount,
        count(*) as line_item_count

    from line_items
    group by
        usage_date,
        billing_period,
        usage_account_id,
        team,
        business_unit,
        business_group,
        service,
        product_code,
        region_code,
        charge_category,
        allocation_method,
        currency_code

)

select * from final
