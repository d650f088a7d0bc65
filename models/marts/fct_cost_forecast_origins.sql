{{ config(pre_hook="{{ window_planner_settings() }}") }}

{#- Month-end forecasts of every series (team, business unit, business group, total) made on every
    origin day of the var('forecast_origin_days') days ending on the as-of date, each seeing only the
    days up to its origin: cost_forecast is the latest origin, bench/backtest.py reads them all.
    Usage is forecast from its recent weekday-aware level; other charges (fees, tax, credits, on the
    1st or daily) are taken from the previous month's remaining days, so a one-off is never multiplied. -#}
{%- set history_days = 28 -%}
with

costs as (

    select * from {{ ref('fct_cost_daily') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

origin_window as (

    select
        as_of_date,
        cast({{ dbt.dateadd('day', 1 - var('forecast_origin_days'), 'as_of_date') }} as date) as first_origin

    from as_of

),

bounds as (

    select
        as_of_date,
        first_origin,
        -- the previous month of the first origin: its charges forecast the rest of the month
        cast({{ dbt.dateadd('month', -1, dbt.date_trunc('month', 'first_origin')) }} as date) as first_day

    from origin_window

),

labelled as (

    {#- Tax, credits and adjustments are rows of their own, as in the team views. -#}
    select
        costs.usage_date,
        case
            when costs.charge_category in ('Usage', 'Purchase') then costs.team
            else '(' || lower(costs.charge_category) || ')'
        end as team,
        case when costs.charge_category in ('Usage', 'Purchase') then costs.business_unit end as business_unit,
        case when costs.charge_category in ('Usage', 'Purchase') then costs.business_group end as business_group,
        case when costs.charge_category = 'Usage' then costs.{{ fct_cost_column() }} else 0 end as usage_cost,
        case when costs.charge_category = 'Usage' then 0 else costs.{{ fct_cost_column() }} end as other_cost

    from costs
    cross join bounds
    where costs.usage_date between bounds.first_day and bounds.as_of_date

),

series_costs as (

    select
        'team' as grain,
        team as series,
        usage_date,
        sum(usage_cost) as usage_cost,
        sum(other_cost) as other_cost
    from labelled
    group by team, usage_date
    union all
    select
        'business_unit' as grain,
        business_unit as series,
        usage_date,
        sum(usage_cost) as usage_cost,
        sum(other_cost) as other_cost
    from labelled
    where business_unit is not null
    group by business_unit, usage_date
    union all
    select
        'business_group' as grain,
        business_group as series,
        usage_date,
        sum(usage_cost) as usage_cost,
        sum(other_cost) as other_cost
    from labelled
    where business_group is not null
    group by business_group, usage_date
    union all
    select
        'total' as grain,
        'total' as series,
        usage_date,
        sum(usage_cost) as usage_cost,
        sum(other_cost) as other_cost
    from labelled
    group by usage_date

),

days as (

    select distinct usage_date from series_costs

),

series_starts as (

    select
        grain,
        series,
        min(usage_date) as first_usage_date

    from series_costs
    group by grain, series

),

{# A day without cost is a zero, from the series' first day on: medians must see it. -#}
filled as (

    select
        series_starts.grain,
        series_starts.series,
        days.usage_date,
        {{ day_of_week('days.usage_date') }} as day_of_week,
        cast(extract(day from days.usage_date) as integer) as day_of_month,
        coalesce(series_costs.usage_cost, 0) as usage_cost,
        coalesce(series_costs.other_cost, 0) as other_cost

    from series_starts
    inner join days
        on series_starts.first_usage_date <= days.usage_date
    left join series_costs
        on series_starts.grain = series_costs.grain
        and series_starts.series = series_costs.series
        and days.usage_date = series_costs.usage_date

),

{# Each day against the mean of the 7 days ending on it: the weekly rhythm without the level, so a step
   change or a new resource does not read as a weekday's. #}
week_ratios as (

    select
        *,
        usage_cost / nullif(
            avg(usage_cost) over (
                partition by grain, series order by usage_date rows between 6 preceding and current row
            ),
            0
        ) as week_ratio

    from filled

),

origins as (

    select
        filled.grain,
        filled.series,
        filled.usage_date as origin_date,
        cast({{ dbt.date_trunc('month', 'filled.usage_date') }} as date) as month_start

    from filled
    cross join bounds
    where filled.usage_date >= bounds.first_origin

),

calendar as (

    select
        origins.*,
        cast({{ dbt.dateadd('month', -1, 'origins.month_start') }} as date) as prev_month_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'origins.month_start')) }} as date) as month_end,
        cast(extract(day from origins.origin_date) as integer) as days_elapsed,
        cast(extract(day from {{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'origins.month_start')) }}) as integer)
            as days_in_month

    from origins

),

{# The {{ history_days }} days ending on each origin. #}
history as (

    select
        calendar.grain,
        calendar.series,
        calendar.origin_date,
        filled.usage_date,
        filled.day_of_week,
        filled.usage_cost,
        filled.week_ratio,
        {{ dbt.datediff(
            'filled.usage_date',
            'calendar.origin_date',
            'day',
        ) }} as days_before

    from calendar
    inner join week_ratios as filled
        on calendar.grain = filled.grain
        and calendar.series = filled.series
        and filled.usage_date
        between cast({{ dbt.dateadd('day', 1 - history_days, 'calendar.origin_date') }} as date)
        and calendar.origin_date

),

weekday_medians as (

    select
        grain,
        series,
        origin_date,
        day_of_week,
        {{ median('week_ratio') }} as weekday_median

    from history
    group by grain, series, origin_date, day_of_week

),

{# Each weekday's share of a typical week: 1 on every day of a flat series. #}
weekday_factors as (

    select
        grain,
        series,
        origin_date,
        day_of_week,
        case
            when avg(weekday_median) over (partition by grain, series, origin_date) > 0
                then weekday_median / avg(weekday_median) over (partition by grain, series, origin_date)
            else 1
        end as weekday_factor

    from weekday_medians

),

{# The level of the last 7 days with the weekly rhythm taken out: a median, so one spike does not
   move it, and a step change moves it within 4 days. #}
levels as (

    select
        history.grain,
        history.series,
        history.origin_date,
        {{ median('history.usage_cost / weekday_factors.weekday_factor') }} as usage_level

    from history
    inner join weekday_factors
        on history.grain = weekday_factors.grain
        and history.series = weekday_factors.series
        and history.origin_date = weekday_factors.origin_date
        and history.day_of_week = weekday_factors.day_of_week
    where history.days_before < 7 and weekday_factors.weekday_factor > 0
    group by history.grain, history.series, history.origin_date

),

spreads as (

    select
        history.grain,
        history.series,
        history.origin_date,
        count(*) as history_days,
        coalesce(
            stddev_samp(history.usage_cost - coalesce(levels.usage_level, 0) * weekday_factors.weekday_factor), 0
        ) as daily_spread

    from history
    inner join weekday_factors
        on history.grain = weekday_factors.grain
        and history.series = weekday_factors.series
        and history.origin_date = weekday_factors.origin_date
        and history.day_of_week = weekday_factors.day_of_week
    left join levels
        on history.grain = levels.grain
        and history.series = levels.series
        and history.origin_date = levels.origin_date
    group by history.grain, history.series, history.origin_date

),

days_ahead as (

    {{ numbers_to(30) }}

),

remaining as (

    select
        calendar.grain,
        calendar.series,
        calendar.origin_date,
        {{ day_of_week(dbt.dateadd('day', 'days_ahead.n', 'calendar.origin_date')) }} as day_of_week

    from calendar
    inner join days_ahead
        on days_ahead.n <= calendar.days_in_month - calendar.days_elapsed

),

remaining_weeks as (

    select
        remaining.grain,
        remaining.series,
        remaining.origin_date,
        count(*) as days_remaining,
        sum(coalesce(weekday_factors.weekday_factor, 1)) as weekday_factors_remaining

    from remaining
    left join weekday_factors
        on remaining.grain = weekday_factors.grain
        and remaining.series = weekday_factors.series
        and remaining.origin_date = weekday_factors.origin_date
        and remaining.day_of_week = weekday_factors.day_of_week
    group by remaining.grain, remaining.series, remaining.origin_date

),

{# Month to date, and the charges of the previous month's days still to come in this one. #}
month_costs as (

    select
        calendar.grain,
        calendar.series,
        calendar.origin_date,
        sum(
            case when filled.usage_date >= calendar.month_start then filled.usage_cost + filled.other_cost else 0 end
        ) as actual_to_date,
        sum(
            case
                when
                    filled.usage_date < calendar.month_start
                    and filled.day_of_month > calendar.days_elapsed
                    and filled.day_of_month <= calendar.days_in_month
                    then filled.other_cost
                else 0
            end
        ) as charges_remaining

    from calendar
    inner join filled
        on calendar.grain = filled.grain
        and calendar.series = filled.series
        and filled.usage_date between calendar.prev_month_start and calendar.origin_date
    group by calendar.grain, calendar.series, calendar.origin_date

),

forecasts as (

    select
        calendar.grain,
        calendar.series,
        calendar.origin_date,
        calendar.month_start,
        calendar.month_end,
        calendar.days_elapsed,
        calendar.days_in_month,
        month_costs.actual_to_date,
        spreads.history_days >= {{ var('forecast_min_history_days') }} as has_history,
        month_costs.actual_to_date
        + coalesce(levels.usage_level, 0) * coalesce(remaining_weeks.weekday_factors_remaining, 0)
        + month_costs.charges_remaining as level_forecast,
        -- 80 %: the daily spread over the days left, plus the level's own error carried over all of them
        1.2816 * {{ var('forecast_interval_scale') }} * spreads.daily_spread * sqrt(
            coalesce(remaining_weeks.days_remaining, 0)
            + coalesce(remaining_weeks.days_remaining, 0) * coalesce(remaining_weeks.days_remaining, 0) / 7.0
        ) as half_width

    from calendar
    inner join month_costs
        on calendar.grain = month_costs.grain
        and calendar.series = month_costs.series
        and calendar.origin_date = month_costs.origin_date
    inner join spreads
        on calendar.grain = spreads.grain
        and calendar.series = spreads.series
        and calendar.origin_date = spreads.origin_date
    left join levels
        on calendar.grain = levels.grain
        and calendar.series = levels.series
        and calendar.origin_date = levels.origin_date
    left join remaining_weeks
        on calendar.grain = remaining_weeks.grain
        and calendar.series = remaining_weeks.series
        and calendar.origin_date = remaining_weeks.origin_date

),

final as (

    select
        grain,
        series,
        origin_date,
        month_start,
        month_end,
        days_elapsed,
        days_in_month,
        actual_to_date,
        case
            when has_history then level_forecast
            else actual_to_date / days_elapsed * days_in_month
        end as forecast_month_end,
        case when has_history then level_forecast - half_width end as forecast_lower,
        case when has_history then level_forecast + half_width end as forecast_upper,
        case when has_history then 'weekday_level' else 'run_rate' end as forecast_method

    from forecasts

)

select * from final
