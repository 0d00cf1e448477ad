{#- The bot filter's classification: a SQL expression, evaluated on every clean anonymous event of
    int_bot_visitors, that names the rule the visitor's behaviour up to that event breaks (null: none
    yet). The visitor is a bot from the first event where it is not null (sticky: docs/bots.md).
    The columns it may read (all as of that event, on the visitor's anonymous events in time order):
      anonymous_id;
      burst_seconds: seconds the last var bot_burst_events events took (null before that many);
      views_before_interaction: page views so far in the session before any interaction (0 after one);
      interval_count, interval_mean_seconds, interval_stddev_seconds: the last var
        bot_regular_intervals gaps between events (fewer early on), their mean and standard deviation.
    Replace it with a macro `bot_visitor_rules` of your own project (dispatch: docs/bots.md) to
    change the rules; keep the rule names short, they are reported as int_bot_visitors.bot_rule. -#}
{% macro bot_visitor_rules() -%}
    {{ return(adapter.dispatch('bot_visitor_rules', 'customer_journey')()) }}
{%- endmacro %}

{% macro default__bot_visitor_rules() -%}
    {%- set listed = var('bot_anonymous_ids') -%}
    case
        {%- if listed %}
            when anonymous_id in ({% for id in listed %}{{ sql_literal(id) }}{{ ', ' if not loop.last }}{% endfor %})
                then 'listed'
        {%- endif %}
        when burst_seconds <= {{ var('bot_burst_seconds') }}
            then 'events_per_minute'
        when views_before_interaction >= {{ var('bot_session_views') }}
            then 'views_without_interaction'
        when
            interval_count >= {{ var('bot_regular_intervals') }}
            and interval_mean_seconds >= {{ var('bot_regular_min_seconds') }}
            and interval_stddev_seconds <= {{ var('bot_regular_max_cv') }} * interval_mean_seconds
            then 'regular_intervals'
    end
{%- endmacro %}
