{#
    One row per signed-up customer: every feature as of the day after the last data day
    (macro customer_features_as_of). Doc block dim_customer_features (_profiles__docs.md).
#}

{{ customer_features_as_of("(select latest_as_of_date as as_of_date from " ~ ref('int_data_calendar') ~ ")") }}
