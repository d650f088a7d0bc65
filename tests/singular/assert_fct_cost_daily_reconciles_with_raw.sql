{#- Nothing lost, nothing counted twice: per billing period, billed cost in the mart equals the
    unblended cost of raw to the cent. Returns the periods that disagree. -#}
with

raw_totals as (

    select billing_period, sum(line_item_unblended_cost) as raw_cost
    from {{ source('cur', 'cur_line_items') }}
    group by billing_period

),

mart_totals as (

    select billing_period, sum(billed_cost) as mart_cost
    from {{ ref('fct_cost_daily') }}
    group by billing_period

),

compared as (

    select
        coalesce(raw_totals.billing_period, mart_totals.billing_period) as billing_period,
        raw_totals.raw_cost,
        mart_totals.mart_cost

    from raw_totals
    full outer join mart_totals
        on raw_totals.billing_period = mart_totals.billing_period

)

select * from compared
where raw_cost is null
    or mart_cost is null
    or abs(raw_cost - mart_cost) >= 0.005
