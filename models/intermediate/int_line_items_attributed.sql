{#- Every line item with exactly one team (or `unallocated`) and how it was chosen.
    A team tag wins when its value is a known team; the rest stays visible as unallocated. -#}
with

line_items as (

    select * from {{ ref('stg_cur__line_items') }}

),

tags as (

    select * from {{ ref('int_tag_sets_normalized') }}

),

teams as (

    select * from {{ ref('teams') }}

),

team_tags as (

    -- min(): a tag set carrying two team spellings with different known values resolves the same way every run
    select
        tags.tag_set_id,
        min(teams.team) as team

    from tags
    inner join teams
        on tags.normalized_value = teams.team
    where tags.normalized_key = 'team'
    group by tags.tag_set_id

),

final as (

    select
        line_items.*,
        coalesce(team_tags.team, 'unallocated') as team,
        case when team_tags.team is not null then 'team_tag' else 'unallocated' end as allocation_method,
        case
            when line_items.line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation') then 'Usage'
            when line_items.line_item_type in ('Fee', 'RIFee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee') then 'Purchase'
            when line_items.line_item_type = 'Tax' then 'Tax'
            when line_items.line_item_type in ('Credit', 'BundledDiscount', 'Discount', 'EdpDiscount', 'PrivateRateDiscount', 'SppDiscount') then 'Credit'
            else 'Adjustment'
        end as charge_category

    from line_items
    left join team_tags
        on line_items.tag_set_id = team_tags.tag_set_id

)

select * from final
