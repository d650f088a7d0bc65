{#- The one precedence every team attribution follows, CUR line items and inventory resources alike:
    1. resource_override: a row of resource_owners.csv matches the resource (its id, its ARN or, for
       a line item, its usage type): an explicit decision of finance, so it comes first;
    2. team_tag: a `team` tag naming a known team;
    3. service_tag: a `service` tag naming a known service, whose team owns it;
    4. account_owner: the account's owner in account_owners.csv;
    5. unallocated.
    Each argument is the SQL expression of that step's team, null when the step does not apply. -#}
{% macro attributed_team(override_team, tagged_team, service_team, account_team) -%}
    case
        when {{ override_team }} is not null then {{ override_team }}
        when {{ tagged_team }} is not null then {{ tagged_team }}
        when {{ service_team }} is not null then {{ service_team }}
        when {{ account_team }} is not null then {{ account_team }}
        else 'unallocated'
    end
{%- endmacro %}

{% macro allocation_method(override_team, tagged_team, service_team, account_team) -%}
    case
        when {{ override_team }} is not null then 'resource_override'
        when {{ tagged_team }} is not null then 'team_tag'
        when {{ service_team }} is not null then 'service_tag'
        when {{ account_team }} is not null then 'account_owner'
        else 'unallocated'
    end
{%- endmacro %}


{#- Does a row of resource_owners.csv (alias `rule`) match a subject? `resource_id` by equality, the
    patterns as regular expressions (regex.sql: each engine's spelling). A case, not an `or`: a
    resource id is never compiled as a pattern. -#}
{% macro resource_owner_matches(rule, resource_id, arn, usage_type) -%}
    case
        when {{ rule }}.match_type = 'resource_id' then {{ resource_id }} = {{ rule }}.pattern
        when {{ rule }}.match_type = 'arn_pattern' then {{ arn }} <> '' and {{ regex_matches(arn, rule ~ '.pattern') }}
        when {{ rule }}.match_type = 'usage_type_pattern'
            then {{ usage_type }} <> '' and {{ regex_matches(usage_type, rule ~ '.pattern') }}
        else false
    end
{%- endmacro %}
