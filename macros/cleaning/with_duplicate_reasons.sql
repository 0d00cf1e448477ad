{#- Adds quarantine_reason to a CTE's rows: row-level reason, else exact or key duplicate. -#}
{% macro with_duplicate_reasons(from_cte, key_columns, order_by, duplicate_reason, tie_breakers=[]) -%}
    {#- keys held by more than one row (valid or not: a superset, so this
        needs only the key columns) -#}
    {%- set repeated_keys -%}
        select {{ key_columns | join(', ') }}
        from {{ from_cte }}
        group by {{ key_columns | join(', ') }}
        having count(*) > 1
    {%- endset -%}
    {%- set key_match -%}
        {%- for column in key_columns %}{{ ' and ' if not loop.first }}{{ from_cte }}.{{ column }} = repeated_keys.{{ column }}{% endfor -%}
    {%- endset -%}
    {#- one window, one total order: identical rows sit next to each other -#}
    {%- set window -%}
        partition by {% for column in key_columns %}{{ from_cte }}.{{ column }}, {% endfor %}{{ from_cte }}.row_reason is null
        order by {{ from_cte }}.{{ order_by }}, {{ from_cte }}.row_fingerprint
            {%- for column in tie_breakers %}, {{ from_cte }}.{{ column }}{% endfor %}
    {%- endset -%}
    select
        {{ from_cte }}.*,
        {{ from_cte }}.row_reason as quarantine_reason
    from {{ from_cte }}
    left join ({{ repeated_keys }}) as repeated_keys
        on {{ key_match }}
    where repeated_keys.{{ key_columns[0] }} is null
    union all
    select
        {{ from_cte }}.*,
        coalesce(
            {{ from_cte }}.row_reason,
            case
                when lag({{ from_cte }}.row_fingerprint) over ({{ window }}) = {{ from_cte }}.row_fingerprint
                    then 'exact_duplicate'
                {%- if duplicate_reason %}
                when row_number() over ({{ window }}) > 1 then '{{ duplicate_reason }}'
                {%- endif %}
            end
        ) as quarantine_reason
    from {{ from_cte }}
    inner join ({{ repeated_keys }}) as repeated_keys
        on {{ key_match }}
{%- endmacro %}
