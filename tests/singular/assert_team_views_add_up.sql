{#- All rows of cost_by_team_30d (teams, unallocated, tax, credit, adjustment) add up to the
    fact table's cost in each window; cost_by_team_monthly likewise per month. -#}
{%- set cost = 'effective_cost' if var('cost_basis') == 'effective' else 'billed_cost' %}
with

daily as (

    select * from {{ ref('fct_cost_daily') }}

),

windows as (

    select
        min(window_start) as window_start,
        min(window_end) as window_end,
        {{ dbt.dateadd('day', -30, 'min(window_start)') }} as prev_start,
        {{ dbt.dateadd('day', -30, 'min(window_end)') }} as prev_end,
        sum(cost_30d) as reported_30d,
        sum(cost_prev_30d) as reported_prev_30d
    from {{ ref('cost_by_team_30d') }}

),

window_check as (

    select
        'cost_by_team_30d' as mart,
        windows.reported_30d as reported,
        sum(
            case
                when daily.usage_date between windows.window_start and windows.window_end then daily.{{ cost }}
                else 0
            end
        ) as actual,
        windows.reported_prev_30d as reported_prev,
        sum(
            case
                when daily.usage_date between windows.prev_start and windows.prev_end then daily.{{ cost }}
                else 0
            end
        ) as actual_prev
    from daily
    cross join windows
    group by windows.reported_30d, windows.reported_prev_30d

),

months as (

    select
        billing_month,
        sum(cost) as reported

    from {{ ref('cost_by_team_monthly') }}
    where not is_month_to_date
    group by billing_month

),

month_check as (

    select
        'cost_by_team_monthly ' || cast(months.billing_month as {{ dbt.type_string() }}) as mart,
        months.reported,
        sum(daily.{{ cost }}) as actual,
        0 as reported_prev,
        0 as actual_prev
    from months
    inner join daily
        on cast({{ dbt.date_trunc('month', 'daily.usage_date') }} as date) = months.billing_month
    group by months.billing_month, months.reported

),

checks as (

    select * from window_check
    union all
    select * from month_check

)

select * from checks
where
    abs(reported - actual) >= 0.005
    or abs(reported_prev - actual_prev) >= 0.005
