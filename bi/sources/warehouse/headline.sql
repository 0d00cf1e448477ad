-- one row: the home page's headline numbers
select
    (select count(*) from marts.dim_customers) as customers,
    (select count(*) from marts.fct_orders) as orders,
    (select sum(quarantined_rows) from marts.rpt_quarantine_summary where quarantine_reason = '_total') as quarantined_rows,
    (select count(*) from activation.next_best_actions) as customers_with_action,
    (select sum(expected_value_amount) from activation.next_best_actions) as expected_value_amount,
    (select count(*) from marts.rpt_information_gaps where is_significant) as significant_information_gaps
