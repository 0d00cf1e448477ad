{#- The newest dbt_loaded_at this model holds: upstream rows loaded after it are the batch. -#}
{% macro last_loaded_at() -%}
    (select max(dbt_loaded_at) from {{ this }})
{%- endmacro %}
