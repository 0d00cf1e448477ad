{#- The as-of instant of customer_features_as_of: midnight UTC of dates.as_of_date, as a timestamp. -#}
{% macro customer_feature_as_of_instant() -%}
    cast(dates.as_of_date as {{ dbt.type_timestamp() }})
{%- endmacro %}
