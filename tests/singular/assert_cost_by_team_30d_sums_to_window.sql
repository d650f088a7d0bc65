{#- The teams of cost_by_team_30d plus `unallocated` add up to all cost in each window. -#}
with

report as (

    select
        min(window_start) as window_start,
        min(window_end) as window_end,
        sum(cost_30d) as reported_30d,
        sum(cost_prev_30d) as reported_prev_30d
    from {{ ref('cost_by_team_30d') }}

),

actual as (

    select
        sum(case when daily.usage_date between report.window_start and report.window_end then daily.billed_cost else 0 end) as actual_30d,
        sum(case when daily.usage_date between {{ dbt.dateadd('day', -30, 'report.window_start') }} and {{ dbt.dateadd('day', -30, 'report.window_end') }} then daily.billed_cost else 0 end) as actual_prev_30d
    from {{ ref('fct_cost_daily') }} daily
    cross join report

)

select *
from report
cross join actual
where abs(report.reported_30d - actual.actual_30d) >= 0.005
    or abs(report.reported_prev_30d - actual.actual_prev_30d) >= 0.005
