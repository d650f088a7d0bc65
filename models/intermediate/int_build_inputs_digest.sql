{#- One row: a digest of everything attribution reads besides raw CUR: every seed's rows and the vars
    that change a cost's team or amount. The incremental models store it on each row; when it
    changes (a new tag rule, a team moved, an account owner changed), every billing period is
    rebuilt (macros/incremental_periods.sql). A view: recomputed from the seeds each time it is read. -#}
{%- set seeds = [
    'account_owners', 'business_groups', 'business_units', 'resource_owners', 'services', 'tag_rules', 'tag_value_aliases', 'teams',
] -%}
{{ check_inputs_digest_seeds(seeds) }}
with

all_rows as (

    {{ inputs_digest_rows(seeds, ['cost_basis', 'hierarchy', 'required_tags']) }}

),

final as (

    select {{ dbt.hash(dbt.listagg('row_text', "'\n'", 'order by row_text')) }} as inputs_digest
    from all_rows

)

select * from final
