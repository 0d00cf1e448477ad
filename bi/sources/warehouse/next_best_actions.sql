-- one row per recommended action x channel (activation.next_best_actions): how many customers get
-- it and its expected value
select
    recommended_action_code,
    channel,
    count(*) as customers,
    sum(expected_value_amount) as expected_value_amount,
    avg(expected_value_amount) as avg_expected_value_amount,
    avg(expected_uplift) as avg_expected_uplift,
    sum(case when has_open_information_gap then 1 else 0 end) as customers_with_open_gap
from activation.next_best_actions
group by 1, 2
