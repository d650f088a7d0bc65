{#- FOCUS charge category of a CUR line item type. Refunds are Adjustments; AWS's discount lines
    are Credits; anything AWS adds later lands in Adjustment until mapped here. -#}
{% macro charge_category(line_item_type) -%}
    case
        when {{ line_item_type }} in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation') then 'Usage'
        when {{ line_item_type }} in ('Fee', 'RIFee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee') then 'Purchase'
        when {{ line_item_type }} = 'Tax' then 'Tax'
        when {{ line_item_type }} in ('Credit', 'BundledDiscount', 'Discount', 'EdpDiscount', 'PrivateRateDiscount', 'SppDiscount') then 'Credit'
        else 'Adjustment'
    end
{%- endmacro %}


{#- Amortized cost, as AWS's own CUR dashboards compute it: commitments are spread over the usage
    they cover, so negations and upfront fees count zero and unused commitment stays visible. -#}
{% macro effective_cost() -%}
    case line_item_type
        when 'SavingsPlanCoveredUsage' then coalesce(savings_plan_effective_cost, 0)
        when 'SavingsPlanRecurringFee' then coalesce(savings_plan_total_commitment_to_date, 0) - coalesce(savings_plan_used_commitment, 0)
        when 'SavingsPlanNegation' then 0
        when 'SavingsPlanUpfrontFee' then 0
        when 'DiscountedUsage' then coalesce(reservation_effective_cost, 0)
        when 'RIFee' then coalesce(reservation_unused_amortized_upfront_fee, 0) + coalesce(reservation_unused_recurring_fee, 0)
        when 'Fee' then case when coalesce(reservation_arn, '') <> '' then 0 else unblended_cost end
        else unblended_cost
    end
{%- endmacro %}


{#- The cost team views show: var cost_basis = effective (amortized, default) or billed (unblended). -#}
{% macro team_cost_column() -%}
    {%- set basis = var('cost_basis') -%}
    {%- if basis not in ('effective', 'billed') -%}
        {{ exceptions.raise_compiler_error("var cost_basis must be 'effective' or 'billed', not '" ~ basis ~ "'") }}
    {%- endif -%}
    {{ 'effective_cost' if basis == 'effective' else 'unblended_cost' }}
{%- endmacro %}
