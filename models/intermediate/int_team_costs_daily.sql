{{ config(
    materialized='incremental',
    incremental_strategy=period_incremental_strategy(),
    partition_by=period_partition_by(),
    unique_key='billing_period',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_of_replaced_loads() }}",
) }}

{#- Daily cost per row of the team views and billing period (a table, incremental by billing period:
    both team views read it). Usage and purchases go to their team (or `unallocated`), in the team's
    business unit of that day; tax, credits and adjustments are rows of their own, never netted into a team. -#}
-- depends_on: {{ ref('stg_cur__loads') }}
with

line_items as (

    select * from {{ ref('int_line_items_attributed') }}
    where {{ periods_to_build_filter() }}

),

labelled as (

    select
        billing_period,
        load_id,
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

daily as (

    select
        billing_period,
        usage_date,
        team,
        business_unit,
        business_group,
        row_type,
        load_id,
        sum(cost) as cost

    from labelled
    group by billing_period, usage_date, team, business_unit, business_group, row_type, load_id

),

final as (

    select
        daily.*,
        {{ build_columns() }}

    from daily

)

select * from final
