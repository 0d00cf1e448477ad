{#- The condition that narrows a generic test to the newest batch of the incremental model it tests,
    or '' (test every row): when var test_batch_only is off, the tested node is not an incremental
    model with a dbt_loaded_at column, or the test is not one whose verdict on old rows cannot change
    (BATCH_TESTS). For unique tests the condition keeps every row whose key occurs in the batch. -#}
{% macro batch_test_filter(relation) -%}
    {%- set batch_tests = ['not_null', 'accepted_values', 'relationships', 'unique', 'unique_combination_of_columns',
                           'expression_is_true', 'expression_is_true_with_reason', 'value_in_range'] -%}
    {%- if not execute or not var('test_batch_only', true) or model.resource_type != 'test' -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set metadata = model.get('test_metadata') or {} -%}
    {%- set tested = graph.nodes.get(model.get('attached_node') or '') -%}
    {%- if metadata.get('name') not in batch_tests or tested is none
        or tested.config.materialized != 'incremental' or 'dbt_loaded_at' not in tested.columns -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set newest -%}
        dbt_loaded_at = (select max(batch_stamps.dbt_loaded_at) from {{ relation }} as batch_stamps)
    {%- endset -%}
    {%- set kwargs = metadata.get('kwargs') or {} -%}
    {%- set keys = [kwargs.get('column_name')] if metadata.name == 'unique' else kwargs.get('combination') -%}
    {%- if metadata.name in ('unique', 'unique_combination_of_columns') -%}
        {%- do return('(' ~ keys | join(', ') ~ ') in (select ' ~ keys | join(', ') ~ ' from ' ~ relation
                      ~ ' where ' ~ newest ~ ')') -%}
    {%- endif -%}
    {%- do return(newest) -%}
{%- endmacro %}
