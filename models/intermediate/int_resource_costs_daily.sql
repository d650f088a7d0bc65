{#- A table: one row per resource and day, read by every resource-level mart (inventory,
    utilization) instead of each scanning the line items again. Incremental by billing period
    (macros/incremental_periods.sql); a usage day lies in one billing period. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=period_incremental_strategy(),
    partition_by=period_partition_by(),
    unique_key='billing_period',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_of_replaced_loads() }}",
) }}

{#- What each resource the CUR names cost per day, and who the CUR's attribution gives it to:
    the team, tag set and region of its latest line that day (tags change within a day too). -#}
-- depends_on: {{ ref('stg_cur__loads') }}
with

line_items as (

    select * from {{ ref('int_line_items_attributed') }}
    where
        coalesce(resource_id, '') <> ''
        and {{ periods_to_build_filter() }}

),

latest_line as (

    select
        billing_period,
        usage_account_id,
        resource_id,
        usage_date,
        product_code,
        region_code,
        tag_set_id,
        team,
        allocation_method,
        row_number() over (
            partition by billing_period, usage_account_id, resource_id, usage_date
            order by usage_start_at desc, tag_set_id desc, line_item_id desc
        ) as line_rank

    from line_items

),

daily as (

    select
        billing_period,
        load_id,
        usage_account_id,
        resource_id,
        usage_date,
        sum(effective_cost) as effective_cost,
        sum(unblended_cost) as billed_cost,
        count(*) as line_item_count

    from line_items
    group by billing_period, load_id, usage_account_id, resource_id, usage_date

),

final as (

    select
        daily.usage_account_id,
        daily.resource_id,
        daily.usage_date,
        latest_line.product_code,
        latest_line.region_code,
        latest_line.tag_set_id,
        latest_line.team,
        latest_line.allocation_method,
        daily.effective_cost,
        daily.billed_cost,
        daily.line_item_count,
        daily.billing_period,
        daily.load_id,
        {{ build_columns() }}

    from daily
    inner join latest_line
        on daily.billing_period = latest_line.billing_period
        and daily.usage_account_id = latest_line.usage_account_id
        and daily.resource_id = latest_line.resource_id
        and daily.usage_date = latest_line.usage_date
        and latest_line.line_rank = 1

)

select * from final
