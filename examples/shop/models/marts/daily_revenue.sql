-- Revenue per day and channel. Incremental: a rebuild only recomputes the days from the
-- newest one already in the table onwards (that day may still be growing).
{{ config(materialized='incremental', unique_key=['order_date', 'channel'],
          incremental_strategy='delete+insert', tags=['finance']) }}

select
    order_date,
    channel,
    count(*) as orders,
    sum(total) as revenue,
    round(avg(total), 2) as avg_order_value
from {{ ref('stg_orders') }}
{% if is_incremental() %}
where order_date >= (select max(order_date) from {{ this }})
{% endif %}
group by order_date, channel
