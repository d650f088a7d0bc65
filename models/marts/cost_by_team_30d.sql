{#- Cost per team over the 30 days ending on the as-of date, against the 30 days before. Every
    team is listed (zero when it spent nothing), plus `unallocated` and the non-team charges
    (`(tax)`, `(credit)`, `(adjustment)`): all rows add up to the window's total. -#}
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
        {{ sum_between('costs.cost', 'costs.usage_date', 'windows.window_start', 'windows.window_end') }} as cost_30d,
        {{ sum_between('costs.cost', 'costs.usage_date', 'windows.prev_window_start', 'windows.prev_window_end') }}
            as cost_prev_30d

    from costs
    cross join windows
    group by costs.team

),

final as (

    select
        view_rows.team,
        view_rows.business_unit,
        view_rows.business_group,
        view_rows.row_type,
        windows.window_start,
        windows.window_end,
        coalesce(row_costs.cost_30d, 0) as cost_30d,
        coalesce(row_costs.cost_prev_30d, 0) as cost_prev_30d,
        coalesce(row_costs.cost_30d, 0) - coalesce(row_costs.cost_prev_30d, 0) as mom_change,
        case
            when coalesce(row_costs.cost_prev_30d, 0) = 0 then null
            else 100.0 * (row_costs.cost_30d - row_costs.cost_prev_30d) / row_costs.cost_prev_30d
        end as mom_change_pct

    from view_rows
    cross join windows
    left join row_costs
        on view_rows.team = row_costs.team

)

select * from final
