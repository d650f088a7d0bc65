{#- Each account's owning team over time (account_owners.csv, a row per change, macros/hierarchy.sql):
    from its valid_from until the next row of the account. Before an account's first valid_from it
    has no owner; a row without valid_from holds since forever. -#}
with

account_owners as (

    select * from {{ ref('account_owners') }}

),

dated as (

    select
        account_id,
        team,
        {{ seed_valid_from('valid_from') }} as valid_from

    from account_owners

),

final as (

    select
        *,
        {{ seed_valid_to('account_id') }} as valid_to,
        {{ seed_valid_to('account_id') }} is null as is_current

    from dated

)

select * from final
