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

window_bounds as (

    select
        'cost_by_team_30d, last 30 days' as mart,
        window_start as starts_on,
        window_end as ends_on,
        reported_30d as reported
    from windows
    union all
    select
        'cost_by_team_30d, previous 30 days' as mart,
        prev_start as starts_on,
        prev_end as ends_on,
        reported_prev_30d as reported
    from windows

),

window_check as (

    select
        window_bounds.mart,
        window_bounds.reported,
        {{ sum_between('daily.' ~ cost, 'daily.usage_date', 'window_bounds.starts_on', 'window_bounds.ends_on') }}
            as actual
    from window_bounds
    cross join daily
    group by window_bounds.mart, window_bounds.reported

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
        sum(daily.{{ cost }}) as actual
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
where abs(reported - actual) >= 0.005
