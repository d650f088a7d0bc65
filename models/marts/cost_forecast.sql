{#- This month's forecast per team (and `unallocated`, the charge rows), business unit, business
    group and in total: the forecast made on the as-of date (fct_cost_forecast_origins). A team is
    shown in its business unit of today. -#}
with

origins as (

    select * from {{ ref('fct_cost_forecast_origins') }}

),

{# the latest origin is the as-of date #}
as_of as (

    select max(origin_date) as as_of_date
    from origins

),

teams as (

    select * from {{ ref('dim_teams') }}

),

units as (

    select distinct
        business_unit,
        business_group

    from teams

),

final as (

    select
        origins.grain,
        origins.series,
        origins.origin_date as as_of_date,
        origins.month_start,
        origins.month_end,
        origins.days_elapsed,
        origins.days_in_month,
        origins.actual_to_date,
        origins.forecast_month_end,
        origins.forecast_lower,
        origins.forecast_upper,
        origins.forecast_method,
        case origins.grain
            when 'team' then teams.business_unit
            when 'business_unit' then origins.series
        end as business_unit,
        case origins.grain
            when 'team' then teams.business_group
            when 'business_unit' then units.business_group
            when 'business_group' then origins.series
        end as business_group

    from origins
    inner join as_of
        on origins.origin_date = as_of.as_of_date
    left join teams
        on origins.grain = 'team'
        and origins.series = teams.team
    left join units
        on origins.grain = 'business_unit'
        and origins.series = units.business_unit

)

select * from final
