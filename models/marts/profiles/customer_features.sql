{#
    One row per customer who has signed up: every feature as of the day
    after the last data day (so all data so far is seen). The definition is
    the macro customer_features_as_of, shared with the snapshots.
#}

{{ customer_features_as_of("(select latest_as_of_date as as_of_date from " ~ ref('int_data_calendar') ~ ")") }}
