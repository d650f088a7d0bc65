{#- The one precedence every team attribution follows, CUR line items and inventory resources alike:
    1. team_tag: a `team` tag naming a known team;
    2. service_tag: a `service` tag naming a known service, whose team owns it;
    3. account_owner: the account's owner in account_owners.csv;
    4. unallocated.
    `owners` is a relation alias with int_tag_set_owners' columns, `account_owners` one with the seed's. -#}
{% macro attributed_team(owners, account_owners) -%}
    case
        when {{ owners }}.tagged_team is not null then {{ owners }}.tagged_team
        when {{ owners }}.service_team is not null then {{ owners }}.service_team
        when {{ account_owners }}.team is not null then {{ account_owners }}.team
        else 'unallocated'
    end
{%- endmacro %}

{% macro allocation_method(owners, account_owners) -%}
    case
        when {{ owners }}.tagged_team is not null then 'team_tag'
        when {{ owners }}.service_team is not null then 'service_tag'
        when {{ account_owners }}.team is not null then 'account_owner'
        else 'unallocated'
    end
{%- endmacro %}
