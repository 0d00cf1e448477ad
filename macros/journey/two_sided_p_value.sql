{#-
    Two-sided p-value of a standard-normal z: P(|Z| >= |z|) = erfc(|z| / sqrt 2), with erfc from
    the Chebyshev fit of Numerical Recipes (erfcc: fractional error below 1.2e-7 everywhere), in
    plain arithmetic so it runs on any engine. Null when z is null.
-#}
{% macro two_sided_p_value(z) -%}
    {%- set x = '(abs(' ~ z ~ ') / sqrt(2.0))' -%}
    {%- set t = '(1.0 / (1.0 + 0.5 * ' ~ x ~ '))' -%}
    case when ({{ z }}) is not null then least(1.0, {{ t }} * exp(
        -{{ x }} * {{ x }} - 1.26551223 + {{ t }} * (1.00002368 + {{ t }} * (0.37409196 + {{ t }} * (0.09678418
        + {{ t }} * (-0.18628806 + {{ t }} * (0.27886807 + {{ t }} * (-1.13520398 + {{ t }} * (1.48851587
        + {{ t }} * (-0.82215223 + {{ t }} * 0.17087277))))))))
    )) end
{%- endmacro %}
