{#- A table: read by both resource-level marts and the compliance summary. -#}
{{ config(materialized='table') }}

{#- Every resource the CUR names with usage in the 30 days ending on the as-of date: its effective
    and billed cost there, and what its latest usage in the window says (tag set, region, product,
    the CUR's team): tags change, and the latest ones judge it, not any older set. -#}
with

costs as (

    select * from {{ ref('int_resource_costs_daily') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

windowed as (

    select
        costs.*,
        cast({{ dbt.dateadd('day', -29, 'as_of.as_of_date') }} as date) as window_start,
        as_of.as_of_date as window_end

    from costs
    cross join as_of
    where costs.usage_date <= as_of.as_of_date

),

latest_usage as (

    select
        usage_account_id,
        resource_id,
        tag_set_id,
        region_code,
        product_code,
        team,
        allocation_method,
        row_number() over (partition by usage_account_id, resource_id order by usage_date desc) as usage_rank

    from windowed
    where usage_date >= window_start

),

totals as (

    select
        usage_account_id,
        resource_id,
        {{ sum_between('effective_cost', 'usage_date', 'window_start', 'window_end') }} as effective_cost_30d,
        {{ sum_between('billed_cost', 'usage_date', 'window_start', 'window_end') }} as billed_cost_30d,
        cast(
            {{ sum_between('line_item_count', 'usage_date', 'window_start', 'window_end') }} as {{ dbt.type_bigint() }}
        ) as line_item_count_30d,
        min(usage_date) as first_usage_date,
        max(usage_date) as last_usage_date

    from windowed
    group by usage_account_id, resource_id

),

final as (

    select
        totals.usage_account_id,
        totals.resource_id,
        latest_usage.tag_set_id,
        latest_usage.region_code,
        latest_usage.product_code,
        latest_usage.team,
        latest_usage.allocation_method,
        totals.effective_cost_30d,
        totals.billed_cost_30d,
        totals.line_item_count_30d,
        totals.first_usage_date,
        totals.last_usage_date

    from totals
    inner join latest_usage
        on totals.usage_account_id = latest_usage.usage_account_id
        and totals.resource_id = latest_usage.resource_id
        and latest_usage.usage_rank = 1

)

select * from final
