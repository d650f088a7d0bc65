{#- Cost per team over the 30 days ending on the as-of date, against the 30 days before. Every
    team is listed in its business unit of today (zero when it spent nothing), plus `unallocated` and
    the non-team charges (`(tax)`, `(credit)`, `(adjustment)`): all rows add up to the window's total.
    A team that changed business unit within the two windows (seeds' valid_from, var hierarchy =
    as_was) has one more row, in its former unit, with the days it spent there. -#}
with

costs as (

    select * from {{ ref('int_team_costs_daily') }}

),

view_rows as (

    select * from {{ ref('int_team_view_rows') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

windows as (

    select
        cast({{ dbt.dateadd('day', -29, 'as_of_date') }} as date) as window_start,
        as_of_date as window_end,
        cast({{ dbt.dateadd('day', -59, 'as_of_date') }} as date) as prev_window_start,
        cast({{ dbt.dateadd('day', -30, 'as_of_date') }} as date) as prev_window_end

    from as_of

),

row_costs as (

    select
        costs.team,
        costs.business_unit,
        costs.business_group,
        costs.row_type,
        {{ sum_between('costs.cost', 'costs.usage_date', 'windows.window_start', 'windows.window_end') }} as cost_30d,
        {{ sum_between('costs.cost', 'costs.usage_date', 'windows.prev_window_start', 'windows.prev_window_end') }}
            as cost_prev_30d

    from costs
    cross join windows
    where costs.usage_date between windows.prev_window_start and windows.window_end
    group by costs.team, costs.business_unit, costs.business_group, costs.row_type

),

keyed_rows as (

    select
        team,
        business_unit,
        business_group,
        row_type
    from view_rows
    union
    select
        team,
        business_unit,
        business_group,
        row_type
    from row_costs

),

final as (

    select
        keyed_rows.team,
        keyed_rows.business_unit,
        keyed_rows.business_group,
        keyed_rows.row_type,
        windows.window_start,
        windows.window_end,
        coalesce(row_costs.cost_30d, 0) as cost_30d,
        coalesce(row_costs.cost_prev_30d, 0) as cost_prev_30d,
        coalesce(row_costs.cost_30d, 0) - coalesce(row_costs.cost_prev_30d, 0) as mom_change,
        case
            when coalesce(row_costs.cost_prev_30d, 0) = 0 then null
            else 100.0 * (row_costs.cost_30d - row_costs.cost_prev_30d) / row_costs.cost_prev_30d
        end as mom_change_pct

    from keyed_rows
    cross join windows
    left join row_costs
        on keyed_rows.team = row_costs.team
        and coalesce(keyed_rows.business_unit, '') = coalesce(row_costs.business_unit, '')

)

select * from final
