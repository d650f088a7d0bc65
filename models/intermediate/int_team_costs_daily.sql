{{ config(materialized='table') }}

{#- Daily cost per row of the team views (a table: both team views read it). Usage and purchases
    go to their team (or `unallocated`), in the team's business unit of that day; tax, credits and
    adjustments are rows of their own, never netted into a team. -#}
with

line_items as (

    select * from {{ ref('int_line_items_attributed') }}

),

labelled as (

    select
        usage_date,
        case
            when charge_category in ('Usage', 'Purchase') then team
            else '(' || lower(charge_category) || ')'
        end as team,
        case when charge_category in ('Usage', 'Purchase') then business_unit end as business_unit,
        case when charge_category in ('Usage', 'Purchase') then business_group end as business_group,
        case
            when charge_category not in ('Usage', 'Purchase') then 'charge'
            when team = 'unallocated' then 'unallocated'
            else 'team'
        end as row_type,
        {{ team_cost_column() }} as cost

    from line_items

),

final as (

    select
        usage_date,
        team,
        business_unit,
        business_group,
        row_type,
        sum(cost) as cost

    from labelled
    group by usage_date, team, business_unit, business_group, row_type

)

select * from final
