{{ config(materialized='ephemeral') }}

{#- The day the team views end on, one row: var as_of_date, else the last complete usage day in
    the data (the day before the latest usage end, from int_usage_extents; right for daily and hourly
    CURs), or yesterday when no usage is loaded yet. Ephemeral: compiled into each mart, so a dbt
    command given `--vars '{as_of_date: …}'` ends every window on that day. -#}
with

usage_extents as (

    select * from {{ ref('int_usage_extents') }}

),

final as (

    {% if var('as_of_date') -%}
        select cast('{{ var("as_of_date") }}' as date) as as_of_date
    {%- else -%}
        select
            coalesce(
                cast({{ dbt.dateadd('day', -1, 'cast(max(last_usage_end_at) as date)') }} as date),
                -- no usage loaded yet: the views cover the 30 days to yesterday, empty
                cast({{ dbt.dateadd('day', -1, 'current_date') }} as date)
            ) as as_of_date
        from usage_extents
    {%- endif %}

)

select * from final
