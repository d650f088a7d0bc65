with

services as (

    select * from {{ ref('int_services_history') }}
    where is_current

),

teams as (

    select * from {{ ref('dim_teams') }}

),

final as (

    select
        services.service,
        services.team,
        teams.business_unit,
        teams.business_group,
        services.service_type,
        services.repository_url,
        services.documentation_url,
        services.description

    from services
    left join teams
        on services.team = teams.team

)

select * from final
