{#- on_schema_change: not 'fail', for PostgreSQL would read the contract's varchar columns and the
    query's text as a change on every run. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=period_incremental_strategy(),
    partition_by=period_partition_by(),
    unique_key='billing_period',
    on_schema_change='append_new_columns',
    pre_hook="{{ delete_rows_of_replaced_loads() }}",
    post_hook=[
        {'sql': "{{ bi_index(['team', 'usage_date']) }}", 'transaction': False},
        {'sql': "{{ bi_index(['usage_date']) }}", 'transaction': False},
        {'sql': "{{ bi_index(['billing_period']) }}", 'transaction': False},
    ],
) }}

{#- The grain BI tools slice: usage day × account × team × service × AWS product × region ×
    charge category × allocation method, with the team's business unit and group of that day (var
    hierarchy). Every dollar of raw lands in exactly one row. Incremental by billing period: a build
    rebuilds the periods restated since the last one (macros/incremental_periods.sql). -#}
-- depends_on: {{ ref('stg_cur__loads') }}
with

line_items as (

    select * from {{ ref('int_line_items_attributed') }}
    where {{ periods_to_build_filter() }}

),

daily as (

    select
        usage_date,
        billing_period,
        usage_account_id,
        team,
        business_unit,
        business_group,
        service,
        product_code,
        region_code,
        charge_category,
        allocation_method,
        currency_code,
        load_id,
        sum(unblended_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        sum(public_on_demand_cost) as list_cost,
        sum(usage_amount) as usage_amount,
        count(*) as line_item_count

    from line_items
    group by
        usage_date,
        billing_period,
        usage_account_id,
        team,
        business_unit,
        business_group,
        service,
        product_code,
        region_code,
        charge_category,
        allocation_method,
        currency_code,
        load_id

),

final as (

    select
        daily.*,
        {{ build_columns() }}

    from daily

)

select * from final
