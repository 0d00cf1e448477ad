{#
    One row per attribution model x channel: the credits of the rule-based models
    (rpt_channel_attribution, summed over UTM sources) and of the data-driven ones
    (channel_attribution_data_driven), beside what the channel cost: cost per acquisition and
    return on ad spend, or a note saying why they are not given.
    Method: doc block channel_attribution_by_model (_attribution__docs.md).
#}

with

rule_based as (
    select * from {{ ref('rpt_channel_attribution') }}
),

data_driven as (
    select * from {{ ref('channel_attribution_data_driven') }}
),

spend as (
    select * from {{ ref('int_marketing_spend_cleaned') }}
),

orders as (
    select * from {{ ref('int_orders_cleaned') }}
    where is_completed
),

sessions as (
    select * from {{ ref('int_sessions') }}
),

calendar as (
    select last_data_date from {{ ref('int_data_calendar') }}
),

credits as (
    select
        attribution_model,
        channel,
        sum(credited_conversions) as credited_conversions,
        sum(credited_revenue_amount) as credited_revenue_amount
    from rule_based
    group by 1, 2
    union all
    select
        attribution_model,
        channel,
        credited_conversions,
        credited_revenue_amount
    from data_driven
),

channel_spend as (
    select
        channel,
        sum(spend_amount) as spend_amount,
        count(distinct upper(trim(currency))) as currency_count,
        min(upper(trim(currency))) as spend_currency
    from spend
    group by 1
),

{# the credited revenue is in the completed orders' currency (amounts are never converted) #}
order_currency as (
    select
        count(distinct upper(trim(currency))) as currency_count,
        min(upper(trim(currency))) as order_currency
    from orders
),

session_channels as (
    select distinct coalesce(channel, '(unknown)') as channel
    from sessions
),

{# Shapley merges the channels beyond var attribution_shapley_max_channels into '(other)': they
   are Markov's channels (every channel of the paths) that Shapley does not list #}
shapley_channels as (
    select channel from data_driven
    where attribution_model = 'shapley'
),

shapley_merged_channels as (
    select markov.channel
    from data_driven as markov
    inner join shapley_channels as other_player
        on other_player.channel = '(other)'
    left join shapley_channels
        on markov.channel = shapley_channels.channel
    where
        markov.attribution_model = 'markov'
        and shapley_channels.channel is null
),

attribution_models as (
    select distinct attribution_model from credits
),

{# a channel that cost money and earned no credit under a model still shows, with 0 #}
spend_without_credit as (
    select
        attribution_models.attribution_model,
        channel_spend.channel,
        cast(0 as {{ type_double() }}) as credited_conversions,
        cast(0 as {{ type_double() }}) as credited_revenue_amount
    from attribution_models
    cross join channel_spend
    left join credits
        on
            attribution_models.attribution_model = credits.attribution_model
            and channel_spend.channel = credits.channel
    where credits.channel is null
),

model_channels as (
    select * from credits
    union all
    select * from spend_without_credit
),

model_totals as (
    select
        attribution_model,
        sum(credited_conversions) as total_conversions
    from model_channels
    group by 1
),

{# why a channel's return on ad spend and cost per acquisition are not given; null when they are #}
noted as (
    select
        model_channels.attribution_model,
        model_channels.channel,
        channel_spend.spend_currency,
        case
            when model_channels.attribution_model = 'shapley' and model_channels.channel = '(other)'
                then 'Shapley''s merged channels (var attribution_shapley_max_channels): their spend is on their own rows'
            when channel_spend.channel is null then 'no marketing spend for the channel'
            when channel_spend.spend_amount = 0 then 'spend is 0'
            when session_channels.channel is null
                then 'no session has this channel: check the spend''s channel name against the sessions'' channels'
            when shapley_merged_channels.channel is not null and model_channels.attribution_model = 'shapley'
                then 'merged into (other) by Shapley (var attribution_shapley_max_channels): no credit of its own'
            when channel_spend.currency_count > 1 then 'currency: the spend is in several currencies'
            when order_currency.currency_count > 1 then 'currency: the orders are in several currencies'
            when channel_spend.spend_currency <> order_currency.order_currency
                then {{ dbt.concat([
                    "'currency: spend in '", 'channel_spend.spend_currency',
                    "', orders in '", 'order_currency.order_currency', "' (amounts are not converted)'"
                ]) }}
        end as roas_note,
        model_channels.credited_conversions,
        model_channels.credited_revenue_amount,
        {{ safe_divide('model_channels.credited_conversions', 'model_totals.total_conversions') }}
            as conversion_share,
        channel_spend.spend_amount
    from model_channels
    inner join model_totals
        on model_channels.attribution_model = model_totals.attribution_model
    cross join order_currency
    left join channel_spend
        on model_channels.channel = channel_spend.channel
    left join session_channels
        on model_channels.channel = session_channels.channel
    left join shapley_merged_channels
        on model_channels.channel = shapley_merged_channels.channel
),

final as (
    select
        attribution_model,
        channel,
        spend_currency,
        roas_note,
        credited_conversions,
        credited_revenue_amount,
        conversion_share,
        spend_amount,
        case
            when roas_note is null and credited_conversions > 0
                then {{ safe_divide('spend_amount', 'credited_conversions') }}
        end as cost_per_acquisition,
        case
            when roas_note is null then {{ safe_divide('credited_revenue_amount', 'spend_amount') }}
        end as return_on_ad_spend,
        attribution_model in ('markov', 'shapley') as is_data_driven,
        (select calendar.last_data_date from calendar) as data_as_of_date
    from noted
)

select * from final
