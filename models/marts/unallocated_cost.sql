{{ config(post_hook=[{'sql': "{{ bi_index(['cost_rank']) }}", 'transaction': False}]) }}

{#- The biggest spend no team claims, by account, AWS product and resource, over the 30-day
    window: the list to clean up first, with the required tags each resource lacks on its latest
    usage (tags change; the latest say what to fix, not any one of the older sets). -#}
with

line_items as (

    select * from {{ ref('int_line_items_attributed') }}

),

required_tags as (

    select * from {{ ref('int_tag_set_required_tags') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

unallocated as (

    select
        line_items.usage_account_id,
        line_items.product_code,
        coalesce(line_items.resource_id, '') as resource_id,
        line_items.tag_set_id,
        line_items.usage_date,
        line_items.usage_start_at,
        line_items.{{ team_cost_column() }} as cost,
        line_items.unblended_cost,
        line_items.effective_cost

    from line_items
    cross join as_of
    where
        line_items.team = 'unallocated'
        and line_items.charge_category in ('Usage', 'Purchase')
        and line_items.usage_date
        between cast({{ dbt.dateadd('day', -29, 'as_of.as_of_date') }} as date) and as_of.as_of_date

),

latest_tags as (

    select
        unallocated.*,
        -- one value per resource (a window partition groups nulls together, as group by does)
        first_value(required_tags.missing_tags) over (
            partition by unallocated.usage_account_id, unallocated.product_code, unallocated.resource_id
            order by unallocated.usage_start_at desc, unallocated.tag_set_id desc
        ) as missing_tags

    from unallocated
    left join required_tags
        on unallocated.tag_set_id = required_tags.tag_set_id

),

grouped as (

    select
        latest_tags.usage_account_id,
        latest_tags.product_code,
        latest_tags.resource_id,
        max(latest_tags.missing_tags) as missing_tags,
        sum(latest_tags.cost) as cost_30d,
        sum(latest_tags.unblended_cost) as billed_cost_30d,
        sum(latest_tags.effective_cost) as effective_cost_30d,
        count(*) as line_item_count,
        min(latest_tags.usage_date) as first_usage_date,
        max(latest_tags.usage_date) as last_usage_date

    from latest_tags
    group by latest_tags.usage_account_id, latest_tags.product_code, latest_tags.resource_id

),

final as (

    select
        grouped.usage_account_id,
        grouped.product_code,
        grouped.resource_id,
        grouped.missing_tags,
        grouped.cost_30d,
        grouped.billed_cost_30d,
        grouped.effective_cost_30d,
        grouped.line_item_count,
        grouped.first_usage_date,
        grouped.last_usage_date,
        -- bigint on every engine (Spark's row_number is an int)
        cast(row_number() over (
            order by
                grouped.cost_30d desc, grouped.usage_account_id asc, grouped.product_code asc, grouped.resource_id asc
        ) as {{ dbt.type_bigint() }}) as cost_rank

    from grouped

)

select * from final
