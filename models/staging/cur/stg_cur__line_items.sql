with

source as (

    select * from {{ source('cur', 'cur_line_items') }}

),

renamed as (

    select
        -- ids
        load_id,
        identity_line_item_id as line_item_id,
        identity_time_interval as time_interval,
        tag_set_id,
        bill_payer_account_id as payer_account_id,
        line_item_usage_account_id as usage_account_id,
        line_item_resource_id as resource_id,
        reservation_reservation_a_r_n as reservation_arn,
        savings_plan_savings_plan_a_r_n as savings_plan_arn,

        -- strings
        line_item_line_item_type as line_item_type,
        line_item_product_code as product_code,
        product_product_name as product_name,
        line_item_usage_type as usage_type,
        line_item_operation as operation,
        product_region_code as region_code,
        line_item_availability_zone as availability_zone,
        line_item_currency_code as currency_code,
        line_item_line_item_description as line_item_description,
        bill_bill_type as bill_type,
        pricing_term,

        -- numerics
        line_item_usage_amount as usage_amount,
        line_item_unblended_cost as unblended_cost,
        pricing_public_on_demand_cost as public_on_demand_cost,
        reservation_effective_cost,
        reservation_unused_amortized_upfront_fee_for_billing_period as reservation_unused_amortized_upfront_fee,
        reservation_unused_recurring_fee,
        savings_plan_savings_plan_effective_cost as savings_plan_effective_cost,
        savings_plan_total_commitment_to_date,
        savings_plan_used_commitment,

        -- dates and timestamps (UTC, as AWS writes them)
        billing_period,
        line_item_usage_start_date as usage_start_at,
        line_item_usage_end_date as usage_end_at,
        cast(line_item_usage_start_date as date) as usage_date

    from source

)

select * from renamed
