{#- How much spend each attribution rule claims: the first number to watch when tagging improves.
    `dbt compile --select allocation_method_share` writes the SQL to target/compiled/ to run by hand. -#}
with

daily as (

    select * from {{ ref('fct_cost_daily') }}
    where charge_category in ('Usage', 'Purchase')

),

final as (

    select
        allocation_method,
        sum(effective_cost) as effective_cost,
        100.0 * sum(effective_cost) / sum(sum(effective_cost)) over () as share_pct

    from daily
    group by allocation_method

)

select * from final
order by effective_cost desc
