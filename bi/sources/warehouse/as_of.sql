-- one row: the data's as-of date (the last day with data; the features and scores describe it)
select
    max(as_of_date) as as_of_date,
    count(*) as customers
from marts.dim_customer_features
