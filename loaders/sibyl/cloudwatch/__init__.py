"""CloudWatch metrics of the inventory's resources: metric definitions, batched GetMetricData queries, the snapshot format."""
