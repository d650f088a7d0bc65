{#- A table: each series' datapoints of a day in one row (count, sum, min, max), so the marts aggregate each
    metric as fits it over days and windows without reading the datapoints again. A series loaded at several
    periods counts once a day: its finest period that has data that day. -#}
{{ config(materialized='table') }}

with

metrics as (

    select * from {{ ref('stg_cloudwatch__metrics') }}

),

daily as (

    select
        account_id,
        resource_id,
        namespace,
        metric_name,
        statistic,
        period_seconds,
        metric_date,
        count(*) as datapoint_count,
        sum(metric_value) as value_sum,
        min(metric_value) as value_min,
        max(metric_value) as value_max

    from metrics
    group by account_id, resource_id, namespace, metric_name, statistic, period_seconds, metric_date

),

finest_period as (

    select
        daily.*,
        row_number() over (
            partition by
                daily.account_id, daily.resource_id, daily.namespace, daily.metric_name, daily.statistic,
                daily.metric_date
            order by daily.period_seconds asc
        ) as period_rank

    from daily

),

final as (

    select
        account_id,
        resource_id,
        namespace,
        metric_name,
        statistic,
        metric_date,
        period_seconds,
        datapoint_count,
        value_sum,
        value_min,
        value_max

    from finest_period
    where period_rank = 1

)

select * from final
