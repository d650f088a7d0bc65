{{ config(post_hook=[{'sql': "{{ bi_index(['team', 'billing_month']) }}", 'transaction': False}]) }}

{#- Cost per calendar month and team, with the previous month and the change. The month holding
    the as-of date, when not yet complete, is flagged month-to-date and compared with the same
    number of days of the previous month (capped at that month's length). Every team is listed in its
    business unit of today; a team that changed business unit (seeds' valid_from, var hierarchy =
    as_was) has one more row in a month where it spent, or had spent the month before, in another. -#}
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

months as (

    select distinct cast({{ dbt.date_trunc('month', 'costs.usage_date') }} as date) as billing_month
    from costs
    cross join as_of
    where costs.usage_date <= as_of.as_of_date

),

month_ends as (

    select
        months.billing_month,
        cast({{ dbt.dateadd('month', -1, 'months.billing_month') }} as date) as prev_month,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'months.billing_month')) }} as date) as month_end,
        as_of.as_of_date

    from months
    cross join as_of

),

month_bounds as (

    select
        billing_month,
        prev_month,
        as_of_date < month_end as is_month_to_date,
        case when as_of_date < month_end then as_of_date else month_end end as period_end,
        case
            when as_of_date < month_end
                then least(
                    cast({{ dbt.dateadd(
                        'day', dbt.datediff('billing_month', 'as_of_date', 'day'), 'prev_month'
                    ) }} as date),
                    cast({{ dbt.dateadd('day', -1, 'billing_month') }} as date)
                )
            else cast({{ dbt.dateadd('day', -1, 'billing_month') }} as date)
        end as prev_period_end

    from month_ends

),

row_costs as (

    select
        costs.team,
        costs.business_unit,
        costs.business_group,
        costs.row_type,
        month_bounds.billing_month,
        {{ sum_between('costs.cost', 'costs.usage_date', 'month_bounds.billing_month', 'month_bounds.period_end') }}
            as cost,
        {{ sum_between('costs.cost', 'costs.usage_date', 'month_bounds.prev_month', 'month_bounds.prev_period_end') }}
            as cost_prev_month

    from costs
    inner join month_bounds
        on costs.usage_date between month_bounds.prev_month and month_bounds.period_end
    group by costs.team, costs.business_unit, costs.business_group, costs.row_type, month_bounds.billing_month

),

keyed_rows as (

    select
        month_bounds.billing_month,
        view_rows.team,
        view_rows.business_unit,
        view_rows.business_group,
        view_rows.row_type
    from month_bounds
    cross join view_rows
    union
    select
        billing_month,
        team,
        business_unit,
        business_group,
        row_type
    from row_costs

),

final as (

    {#- Columns in sqlfluff's order (plain ones first): the table's order is the contract's, in YAML. -#}
    select
        month_bounds.billing_month,
        keyed_rows.team,
        keyed_rows.business_unit,
        keyed_rows.business_group,
        keyed_rows.row_type,
        month_bounds.is_month_to_date,
        coalesce(row_costs.cost, 0) as cost,
        coalesce(row_costs.cost_prev_month, 0) as cost_prev_month,
        coalesce(row_costs.cost, 0) - coalesce(row_costs.cost_prev_month, 0) as mom_change,
        case
            when coalesce(row_costs.cost_prev_month, 0) = 0 then null
            else 100.0 * (row_costs.cost - row_costs.cost_prev_month) / row_costs.cost_prev_month
        end as mom_change_pct

    from keyed_rows
    inner join month_bounds
        on keyed_rows.billing_month = month_bounds.billing_month
    left join row_costs
        on keyed_rows.team = row_costs.team
        and coalesce(keyed_rows.business_unit, '') = coalesce(row_costs.business_unit, '')
        and keyed_rows.billing_month = row_costs.billing_month

)

select * from final
