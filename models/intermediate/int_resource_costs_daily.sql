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

{# One pass: each resource-day's totals beside each of its lines (windows over the same partition
   share one sort), and its latest line kept. #}
resource_days as (

    select
        billing_period,
        load_id,
        usage_account_id,
        resource_id,
        usage_date,
        product_code,
        region_code,
        tag_set_id,
        team,
        allocation_method,
        sum(effective_cost) over (
            partition by billing_period, usage_account_id, resource_id, usage_date
        ) as effective_cost,
        sum(unblended_cost) over (
            partition by billing_period, usage_account_id, resource_id, usage_date
        ) as billed_cost,
        count(*) over (
            partition by billing_period, usage_account_id, resource_id, usage_date
        ) as line_item_count,
        row_number() over (
            partition by billing_period, usage_account_id, resource_id, usage_date
            order by usage_start_at desc, tag_set_id desc, line_item_id desc
        ) as line_rank

    from line_items

),

final as (

    select
        usage_account_id,
        resource_id,
        usage_date,
        product_code,
        region_code,
        tag_set_id,
        team,
        allocation_method,
        effective_cost,
        billed_cost,
        line_item_count,
        billing_period,
        load_id,
        {{ build_columns() }}

    from resource_days
    where line_rank = 1

)

select * from final
