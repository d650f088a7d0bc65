{#- Each service's owning team over time (services.csv, a row per change, macros/hierarchy.sql): from its
    valid_from until the next row of the service. The latest row is the service as it is today. -#}
with

services as (

    select * from {{ ref('services') }}

),

dated as (

    select
        service,
        team,
        service_type,
        repository_url,
        documentation_url,
        description,
        {{ seed_valid_from('valid_from') }} as valid_from

    from services

),

final as (

    select
        *,
        {{ seed_valid_to('service') }} as valid_to,
        {{ seed_valid_to('service') }} is null as is_current

    from dated

)

select * from final
