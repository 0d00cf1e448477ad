{#- A query of the identities to erase, one row per (identity_type, identity_value): the customer
    ids ('customer_id') and anonymous ids ('anonymous_id': every event on them) of the requests,
    cleaned and pseudonymised as staging cleans ids; when `events` is given, the devices of the
    erased customers ('linked_anonymous_id': an anonymous id a raw event carries together with an
    erased customer id; their anonymous events go, another customer's identified events on a
    shared device stay); when `orders` is given, the erased customers' order ids ('order_id': their
    order lines go too). -#}
{% macro erased_identities_sql(requests, events=none, orders=none) -%}
    with

    erasure_requests as (
        select
            {{ pseudonymise_id(clean_id('customer_id')) }} as customer_id,
            {{ pseudonymise_id(clean_id('anonymous_id')) }} as anonymous_id
        from {{ requests }}
    ),

    erased_customers as (
        select distinct customer_id from erasure_requests
        where customer_id is not null
    ),

    identities as (
        select
            'customer_id' as identity_type,
            customer_id as identity_value
        from erased_customers
        union
        select
            'anonymous_id' as identity_type,
            anonymous_id as identity_value
        from erasure_requests
        where anonymous_id is not null
        {%- if events is not none %}
            union
            select
                'linked_anonymous_id' as identity_type,
                device_events.anonymous_id as identity_value
            from (
                select
                    {{ pseudonymise_id(clean_id('anonymous_id')) }} as anonymous_id,
                    {{ pseudonymise_id(clean_id('customer_id')) }} as customer_id
                from {{ events }}
                where customer_id is not null and anonymous_id is not null
            ) as device_events
            where
                device_events.anonymous_id is not null
                and device_events.customer_id in (select erased_customers.customer_id from erased_customers)
        {%- endif %}
        {%- if orders is not none %}
            union
            select
                'order_id' as identity_type,
                customer_orders.order_id as identity_value
            from (
                select
                    {{ clean_id('order_id') }} as order_id,
                    {{ pseudonymise_id(clean_id('customer_id')) }} as customer_id
                from {{ orders }}
                where customer_id is not null
            ) as customer_orders
            where
                customer_orders.order_id is not null
                and customer_orders.customer_id in (select erased_customers.customer_id from erased_customers)
        {%- endif %}
    )

    select * from identities
{%- endmacro %}
