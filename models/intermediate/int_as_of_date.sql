{{ config(materialized='ephemeral') }}

{#- The day the team views end on, one row: var as_of_date, else the last complete usage day in
    the data (the day before the latest usage end; right for daily and hourly CURs), or yesterday
    when no usage is loaded yet. Ephemeral, so
    it is compiled into each mart and `dbt show --vars` (sibyl report --as-of) recomputes it. -#}
with

line_items as (

    select * from {{ ref('stg_cur__line_items') }}

),

final as (

    {% if var('as_of_date') -%}
        select cast('{{ var("as_of_date") }}' as date) as as_of_date
    {%- else -%}
        select
            coalesce(
                cast({{ dbt.dateadd('day', -1, 'cast(max(usage_end_at) as date)') }} as date),
                -- no usage loaded yet: the views cover the 30 days to yesterday, empty
                cast({{ dbt.dateadd('day', -1, 'current_date') }} as date)
            ) as as_of_date
        from line_items
        where line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
    {%- endif %}

)

select * from final
