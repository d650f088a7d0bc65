{{ config(
    materialized='incremental',
    incremental_strategy=period_incremental_strategy(),
    partition_by=period_partition_by(),
    unique_key='billing_period',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_of_replaced_loads() }}",
) }}

{#- How far each load's usage reaches: one row per billing period and load, so the as-of date
    (int_as_of_date, compiled into every mart that has a window) reads a few rows instead of scanning
    every line item once per mart. Incremental by billing period (macros/incremental_periods.sql). -#}
-- depends_on: {{ ref('stg_cur__loads') }}
with

line_items as (

    select * from {{ ref('stg_cur__line_items') }}
    where {{ periods_to_build_filter() }}

),

final as (

    select
        billing_period,
        load_id,
        -- usage only: a fee or a tax line dated to the month's end says nothing of how far usage reaches
        max(
            case when line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') then usage_end_at end
        ) as last_usage_end_at,
        {{ build_columns() }}

    from line_items
    group by billing_period, load_id

)

select * from final
