{{ config(pre_hook="{{ window_planner_settings() }}") }}

{#- Each day of the var('anomaly_window_days') days ending on the as-of date, per team × AWS product
    and per team (product `(all)`): usage cost against what the previous 28 days expected of that
    weekday (its weekday factor times the last 3 days' level, both medians, so one spike does not
    move them and a step is flagged on its first day, not on four), its band (± var anomaly_band_z
    robust deviations), the dollar impact and the score.
    An anomaly leaves the band and clears both var anomaly_min_impact (dollars) and var
    anomaly_min_change (relative to expected); fewer than var anomaly_min_history_days days of history
    is `too_little_history`, never scored. Usage only: purchases, tax and credits are decisions and
    calendar, not anomalies. A table of its own, so cost_anomalies reads the scores once when it names
    the drivers (an engine that inlines each read of a CTE would compute all of this twice). -#}
{%- set history_days = 28 -%}
with

costs as (

    select * from {{ ref('fct_cost_daily') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

bounds as (

    select
        as_of_date,
        cast({{ dbt.dateadd('day', 1 - var('anomaly_window_days'), 'as_of_date') }} as date) as first_scored_day,
        cast({{ dbt.dateadd('day', 1 - var('anomaly_window_days') - history_days, 'as_of_date') }} as date) as first_day

    from as_of

),

usage_costs as (

    select
        costs.usage_date,
        costs.team,
        costs.product_code,
        costs.{{ fct_cost_column() }} as cost

    from costs
    cross join bounds
    where
        costs.charge_category = 'Usage'
        and costs.usage_date between bounds.first_day and bounds.as_of_date

),

series_costs as (

    select
        team,
        product_code,
        usage_date,
        sum(cost) as cost
    from usage_costs
    group by team, product_code, usage_date
    union all
    select
        team,
        '(all)' as product_code,
        usage_date,
        sum(cost) as cost
    from usage_costs
    group by team, usage_date

),

days as (

    select distinct usage_date from series_costs

),

series_starts as (

    select
        team,
        product_code,
        min(usage_date) as first_usage_date

    from series_costs
    group by team, product_code

),

filled as (

    select
        series_starts.team,
        series_starts.product_code,
        days.usage_date,
        {{ day_of_week('days.usage_date') }} as day_of_week,
        coalesce(series_costs.cost, 0) as cost

    from series_starts
    inner join days
        on series_starts.first_usage_date <= days.usage_date
    left join series_costs
        on series_starts.team = series_costs.team
        and series_starts.product_code = series_costs.product_code
        and days.usage_date = series_costs.usage_date

),

{# Each day against the mean of the 7 days ending on it: the weekly rhythm without the level, so a step
   change or a new resource does not read as a weekday's. #}
week_ratios as (

    select
        *,
        cost / nullif(
            avg(cost) over (
                partition by team, product_code order by usage_date rows between 6 preceding and current row
            ),
            0
        ) as week_ratio

    from filled

),

scored_days as (

    select filled.*
    from filled
    cross join bounds
    where filled.usage_date >= bounds.first_scored_day

),

{# The {{ history_days }} days before each scored day. #}
history as (

    select
        scored_days.team,
        scored_days.product_code,
        scored_days.usage_date,
        filled.day_of_week,
        filled.cost,
        filled.week_ratio,
        {{ dbt.datediff(
            'filled.usage_date',
            'scored_days.usage_date',
            'day',
        ) }} as days_before

    from scored_days
    inner join week_ratios as filled
        on scored_days.team = filled.team
        and scored_days.product_code = filled.product_code
        and filled.usage_date
        between cast({{ dbt.dateadd('day', -history_days, 'scored_days.usage_date') }} as date)
        and cast({{ dbt.dateadd('day', -1, 'scored_days.usage_date') }} as date)

),

weekday_medians as (

    select
        team,
        product_code,
        usage_date,
        day_of_week,
        {{ median('week_ratio') }} as weekday_median

    from history
    group by team, product_code, usage_date, day_of_week

),

weekday_factors as (

    select
        team,
        product_code,
        usage_date,
        day_of_week,
        case
            when avg(weekday_median) over (partition by team, product_code, usage_date) > 0
                then weekday_median / avg(weekday_median) over (partition by team, product_code, usage_date)
            else 1
        end as weekday_factor

    from weekday_medians

),

deseasonalised as (

    select
        history.team,
        history.product_code,
        history.usage_date,
        history.days_before,
        history.cost / weekday_factors.weekday_factor as level_cost

    from history
    inner join weekday_factors
        on history.team = weekday_factors.team
        and history.product_code = weekday_factors.product_code
        and history.usage_date = weekday_factors.usage_date
        and history.day_of_week = weekday_factors.day_of_week
    where weekday_factors.weekday_factor > 0

),

{# The last 3 days' level: a median, so one spike does not move it, and short, so a step change is
   flagged on its first day rather than on the four a week's median takes to follow it. #}
levels as (

    select
        team,
        product_code,
        usage_date,
        {{ median('level_cost') }} as usage_level

    from deseasonalised
    where days_before <= 3
    group by team, product_code, usage_date

),

{# The typical deviation from the level over the whole history: a median absolute deviation. #}
spreads as (

    select
        deseasonalised.team,
        deseasonalised.product_code,
        deseasonalised.usage_date,
        1.4826 * {{ median('abs(deseasonalised.level_cost - levels.usage_level)') }} as level_spread

    from deseasonalised
    inner join levels
        on deseasonalised.team = levels.team
        and deseasonalised.product_code = levels.product_code
        and deseasonalised.usage_date = levels.usage_date
    group by deseasonalised.team, deseasonalised.product_code, deseasonalised.usage_date

),

history_counts as (

    select
        team,
        product_code,
        usage_date,
        count(*) as history_days

    from history
    group by team, product_code, usage_date

),

expectations as (

    select
        scored_days.team,
        scored_days.product_code,
        scored_days.usage_date,
        scored_days.cost,
        coalesce(history_counts.history_days, 0) as history_days,
        levels.usage_level * coalesce(weekday_factors.weekday_factor, 1) as expected_cost,
        -- a floor, so a perfectly flat history does not make every cent a deviation
        greatest(
            coalesce(spreads.level_spread, 0) * coalesce(weekday_factors.weekday_factor, 1),
            0.01 * abs(levels.usage_level * coalesce(weekday_factors.weekday_factor, 1)),
            0.01
        ) as spread

    from scored_days
    left join history_counts
        on scored_days.team = history_counts.team
        and scored_days.product_code = history_counts.product_code
        and scored_days.usage_date = history_counts.usage_date
    left join levels
        on scored_days.team = levels.team
        and scored_days.product_code = levels.product_code
        and scored_days.usage_date = levels.usage_date
    left join spreads
        on scored_days.team = spreads.team
        and scored_days.product_code = spreads.product_code
        and scored_days.usage_date = spreads.usage_date
    left join weekday_factors
        on scored_days.team = weekday_factors.team
        and scored_days.product_code = weekday_factors.product_code
        and scored_days.usage_date = weekday_factors.usage_date
        and scored_days.day_of_week = weekday_factors.day_of_week

),

judged as (

    select
        team,
        product_code,
        usage_date,
        cost,
        history_days,
        history_days >= {{ var('anomaly_min_history_days') }} as is_scored,
        expected_cost,
        spread,
        cost - expected_cost as impact

    from expectations

),

statuses as (

    select
        team,
        product_code,
        usage_date,
        cost,
        history_days,
        case when is_scored then expected_cost end as expected_cost,
        case when is_scored then expected_cost - {{ var('anomaly_band_z') }} * spread end as expected_lower,
        case when is_scored then expected_cost + {{ var('anomaly_band_z') }} * spread end as expected_upper,
        case when is_scored then impact end as impact,
        case when is_scored then impact / spread end as score,
        case
            when not is_scored then 'too_little_history'
            when
                abs(impact) > {{ var('anomaly_band_z') }} * spread
                and abs(impact) >= {{ var('anomaly_min_impact') }}
                and abs(impact) >= {{ var('anomaly_min_change') }} * abs(expected_cost)
                then 'anomaly'
            else 'normal'
        end as status

    from judged

),

final as (

    select
        usage_date,
        team,
        product_code,
        status,
        cost,
        expected_cost,
        expected_lower,
        expected_upper,
        impact,
        score,
        history_days

    from statuses

)

select * from final
