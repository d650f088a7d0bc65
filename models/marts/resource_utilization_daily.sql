{#- Per inventory resource and day: its CloudWatch metrics, each aggregated as fits it (CPU averaged and
    peaked, bytes, operations, invocations and requests summed, connections peaked, free storage at its
    lowest), next to what it cost that day and the team the CUR gives it. A day with metrics and no cost, or
    cost and no metrics, is a row too; the resources are those of each place's latest complete inventory read. -#}
with

resources as (

    select * from {{ ref('int_cloudwatch_resources') }}

),

metrics_daily as (

    select * from {{ ref('int_cloudwatch_metrics_daily') }}

),

costs as (

    select * from {{ ref('int_resource_costs_daily') }}

),

utilization as (

    select
        account_id,
        resource_id,
        metric_date as usage_date,
        {{ metric_aggregate('CPUUtilization', 'Average', 'avg') }} as cpu_avg_pct,
        {{ metric_aggregate('CPUUtilization', 'Maximum', 'max') }} as cpu_max_pct,
        {{ metric_aggregate('NetworkIn', 'Sum', 'sum') }} as network_in_bytes,
        {{ metric_aggregate('NetworkOut', 'Sum', 'sum') }} as network_out_bytes,
        {{ metric_aggregate('VolumeReadOps', 'Sum', 'sum') }} as volume_read_ops,
        {{ metric_aggregate('VolumeWriteOps', 'Sum', 'sum') }} as volume_write_ops,
        {{ metric_aggregate('DatabaseConnections', 'Maximum', 'max') }} as db_connections_max,
        {{ metric_aggregate('FreeStorageSpace', 'Minimum', 'min') }} as free_storage_min_bytes,
        {{ metric_aggregate('Invocations', 'Sum', 'sum') }} as invocations,
        -- the mean over the day's invocations, not over hours: total duration by invocations
        {{ metric_aggregate('Duration', 'Sum', 'sum') }}
        / nullif({{ metric_aggregate('Invocations', 'Sum', 'sum') }}, 0) as duration_avg_ms,
        {{ metric_aggregate('Duration', 'Maximum', 'max') }} as duration_max_ms,
        {{ metric_aggregate('RequestCount', 'Sum', 'sum') }} as requests,
        {{ metric_aggregate('BytesOutToDestination', 'Sum', 'sum') }} as nat_bytes_out,
        {{ metric_aggregate('ConsumedReadCapacityUnits', 'Sum', 'sum') }} as dynamodb_read_units,
        {{ metric_aggregate('ConsumedWriteCapacityUnits', 'Sum', 'sum') }} as dynamodb_write_units,
        cast(sum(datapoint_count) as bigint) as datapoint_count

    from metrics_daily
    group by account_id, resource_id, metric_date

),

resource_costs as (

    select costs.*

    from costs
    inner join resources
        on costs.usage_account_id = resources.account_id
        and costs.resource_id = resources.resource_id

),

resource_days as (

    select
        account_id,
        resource_id,
        usage_date
    from utilization

    union

    select
        usage_account_id as account_id,
        resource_id,
        usage_date
    from resource_costs

),

final as (

    select
        resource_days.usage_date,
        resources.account_id,
        resources.region,
        resources.resource_type,
        resources.resource_id,
        resources.resource_name,
        resource_costs.team,
        utilization.cpu_avg_pct,
        utilization.cpu_max_pct,
        utilization.network_in_bytes,
        utilization.network_out_bytes,
        utilization.volume_read_ops,
        utilization.volume_write_ops,
        utilization.db_connections_max,
        utilization.free_storage_min_bytes,
        utilization.invocations,
        utilization.duration_avg_ms,
        utilization.duration_max_ms,
        utilization.requests,
        utilization.nat_bytes_out,
        utilization.dynamodb_read_units,
        utilization.dynamodb_write_units,
        -- a day without cost costs zero; a day without metrics has no datapoints
        coalesce(resource_costs.effective_cost, 0) as effective_cost,
        coalesce(resource_costs.billed_cost, 0) as billed_cost,
        coalesce(utilization.datapoint_count, 0) as datapoint_count

    from resource_days
    inner join resources
        on resource_days.account_id = resources.account_id
        and resource_days.resource_id = resources.resource_id
    left join utilization
        on resource_days.account_id = utilization.account_id
        and resource_days.resource_id = utilization.resource_id
        and resource_days.usage_date = utilization.usage_date
    left join resource_costs
        on resource_days.account_id = resource_costs.usage_account_id
        and resource_days.resource_id = resource_costs.resource_id
        and resource_days.usage_date = resource_costs.usage_date

)

select * from final
