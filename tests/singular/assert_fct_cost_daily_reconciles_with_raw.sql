{#- Nothing lost, nothing counted twice: per billing period, billed and effective cost in the
    mart equal raw's to the cent (effective from raw by the same amortization formula, so any
    fan-out or dropped row in between shows). Returns the periods that disagree. -#}
with

raw_line_items as (

    select
        billing_period,
        line_item_line_item_type as line_item_type,
        line_item_unblended_cost as unblended_cost,
        savings_plan_savings_plan_effective_cost as savings_plan_effective_cost,
        savings_plan_total_commitment_to_date,
        savings_plan_used_commitment,
        reservation_effective_cost,
        reservation_unused_amortized_upfront_fee_for_billing_period as reservation_unused_amortized_upfront_fee,
        reservation_unused_recurring_fee,
        reservation_reservation_a_r_n as reservation_arn
    from {{ source('cur', 'cur_line_items') }}

),

raw_totals as (

    select
        billing_period,
        sum(unblended_cost) as raw_billed,
        sum({{ effective_cost() }}) as raw_effective
    from raw_line_items
    group by billing_period

),

mart_totals as (

    select
        billing_period,
        sum(billed_cost) as mart_billed,
        sum(effective_cost) as mart_effective

    from {{ ref('fct_cost_daily') }}
    group by billing_period

),

compared as (

    select
        raw_totals.raw_billed,
        mart_totals.mart_billed,
        raw_totals.raw_effective,
        mart_totals.mart_effective,
        coalesce(raw_totals.billing_period, mart_totals.billing_period) as billing_period

    from raw_totals
    full outer join mart_totals
        on raw_totals.billing_period = mart_totals.billing_period

)

select * from compared
where
    raw_billed is null
    or mart_billed is null
    or abs(raw_billed - mart_billed) >= 0.005
    or abs(raw_effective - mart_effective) >= 0.005
