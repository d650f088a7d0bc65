{{ config(pre_hook="{{ window_planner_settings() }}") }}

{#- fct_cost_anomaly_scores, each anomaly with its top drivers: the accounts, usage types and resources
    whose cost moved most that day against their average of the 7 days before. -#}
with

statuses as (

    select * from {{ ref('fct_cost_anomaly_scores') }}

),

line_items as (

    select * from {{ ref('int_line_items_attributed') }}

),

anomalies as (

    select
        team,
        product_code,
        usage_date,
        case when impact > 0 then 1 else -1 end as direction

    from statuses
    where status = 'anomaly'

),

{# The anomaly's day and the 7 before it, a row each, so line items join on equal keys (team and day) in one
   scan of them, not on a date range that pairs every line of a team with every anomaly of it. A union,
   not a join with a series of numbers: PostgreSQL would join that series last, after the line items. #}
anomaly_days as (

    {% for days_back in range(8) -%}
        select
            team,
            product_code,
            usage_date,
            direction,
            cast({{ dbt.dateadd('day', -days_back, 'usage_date') }} as date) as line_date
        from anomalies
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

driver_lines as (

    select
        anomaly_days.team,
        anomaly_days.product_code,
        anomaly_days.usage_date,
        anomaly_days.direction,
        line_items.usage_date as line_date,
        line_items.usage_account_id,
        line_items.usage_type,
        line_items.resource_id,
        line_items.{{ team_cost_column() }} as cost

    from anomaly_days
    inner join line_items
        on anomaly_days.team = line_items.team
        and anomaly_days.line_date = line_items.usage_date
        and (anomaly_days.product_code = '(all)' or anomaly_days.product_code = line_items.product_code)
    where line_items.charge_category = 'Usage'

),

{# Each driver's cost on the anomaly's day and its average over the 7 days before. #}
driver_costs as (

    select
        team,
        product_code,
        usage_date,
        direction,
        usage_account_id,
        usage_type,
        resource_id,
        sum(case when line_date = usage_date then cost else 0 end)
        - sum(case when line_date < usage_date then cost else 0 end) / 7.0 as cost_change

    from driver_lines
    group by team, product_code, usage_date, direction, usage_account_id, usage_type, resource_id

),

drivers as (

    {% set driver_columns = {'account': 'usage_account_id', 'usage_type': 'usage_type', 'resource': 'resource_id'} -%}
    {% for kind, column in driver_columns.items() -%}
        select
            team,
            product_code,
            usage_date,
            '{{ kind }}' as driver_kind,
            {{ column }} as driver,
            sum(cost_change) as cost_change,
            row_number() over (
                partition by team, product_code, usage_date
                order by sum(cost_change) * min(direction) desc, {{ column }}
            ) as driver_rank

        from driver_costs
        where coalesce({{ column }}, '') <> ''
        group by team, product_code, usage_date, {{ column }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

top_drivers as (

    select
        team,
        product_code,
        usage_date,
        driver_kind,
        {{ dbt.listagg(
            "driver || ' (' || case when cost_change >= 0 then '+' else '' end"
            ~ " || cast(cast(cost_change as decimal(18, 2)) as " ~ dbt.type_string() ~ ") || ')'",
            "'; '",
            'order by driver_rank'
        ) }} as drivers

    from drivers
    where driver_rank <= 3
    group by team, product_code, usage_date, driver_kind

),

{# One row per anomaly with its three lists, so the statuses join the drivers once. #}
driver_lists as (

    select
        team,
        product_code,
        usage_date,
        max(case when driver_kind = 'account' then drivers end) as top_accounts,
        max(case when driver_kind = 'usage_type' then drivers end) as top_usage_types,
        max(case when driver_kind = 'resource' then drivers end) as top_resources

    from top_drivers
    group by team, product_code, usage_date

),

final as (

    select
        statuses.usage_date,
        statuses.team,
        statuses.product_code,
        statuses.status,
        statuses.cost,
        statuses.expected_cost,
        statuses.expected_lower,
        statuses.expected_upper,
        statuses.impact,
        statuses.score,
        statuses.history_days,
        driver_lists.top_accounts,
        driver_lists.top_usage_types,
        driver_lists.top_resources

    from statuses
    left join driver_lists
        on statuses.team = driver_lists.team
        and statuses.product_code = driver_lists.product_code
        and statuses.usage_date = driver_lists.usage_date

)

select * from final
