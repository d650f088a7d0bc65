{#- Cost per team in the 30 days ending on the as-of date, against the 30 days before.
    Every team of the seeds is listed (zero when it spent nothing), plus one `unallocated` row. -#}
with

daily as (

    select * from {{ ref('fct_cost_daily') }}

),

teams as (

    select * from {{ ref('dim_teams') }}

),

as_of as (

    {% if var('as_of_date') %}
    select cast('{{ var("as_of_date") }}' as date) as as_of_date
    {% else %}
    -- last complete usage day: the day before the latest usage end (daily or hourly CURs alike)
    select max(usage_end_date) as as_of_date
    from (
        select cast({{ dbt.dateadd('day', -1, 'cast(usage_end_at as date)') }} as date) as usage_end_date
        from {{ ref('stg_cur__line_items') }}
        where line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
    ) usage_ends
    {% endif %}

),

windows as (

    select
        cast({{ dbt.dateadd('day', -29, 'as_of_date') }} as date) as window_start,
        as_of_date as window_end,
        cast({{ dbt.dateadd('day', -59, 'as_of_date') }} as date) as prev_window_start,
        cast({{ dbt.dateadd('day', -30, 'as_of_date') }} as date) as prev_window_end

    from as_of

),

team_costs as (

    select
        daily.team,
        sum(case when daily.usage_date between windows.window_start and windows.window_end then daily.billed_cost else 0 end) as cost_30d,
        sum(case when daily.usage_date between windows.prev_window_start and windows.prev_window_end then daily.billed_cost else 0 end) as cost_prev_30d

    from daily
    cross join windows
    group by daily.team

),

listed_teams as (

    select team, business_unit, business_group from teams
    union all
    select 'unallocated' as team, cast(null as {{ dbt.type_string() }}) as business_unit, cast(null as {{ dbt.type_string() }}) as business_group

),

final as (

    select
        listed_teams.team,
        listed_teams.business_unit,
        listed_teams.business_group,
        windows.window_start,
        windows.window_end,
        coalesce(team_costs.cost_30d, 0) as cost_30d,
        coalesce(team_costs.cost_prev_30d, 0) as cost_prev_30d,
        coalesce(team_costs.cost_30d, 0) - coalesce(team_costs.cost_prev_30d, 0) as mom_change,
        case
            when coalesce(team_costs.cost_prev_30d, 0) = 0 then null
            else 100.0 * (team_costs.cost_30d - team_costs.cost_prev_30d) / team_costs.cost_prev_30d
        end as mom_change_pct

    from listed_teams
    cross join windows
    left join team_costs
        on listed_teams.team = team_costs.team

)

select * from final
