-- What each customer has spent so far.
{{ config(materialized='table', tags=['finance']) }}

select
    c.customer_id,
    c.segment,
    c.country,
    c.signup_time,
    count(o.order_id) as orders,
    coalesce(sum(o.total), 0) as lifetime_value,
    round(coalesce(avg(o.total), 0), 2) as avg_order_value,
    min(o.order_time) as first_order_time,
    max(o.order_time) as last_order_time
from {{ ref('stg_customers') }} as c
left join {{ ref('stg_orders') }} as o on o.customer_id = c.customer_id
group by c.customer_id, c.segment, c.country, c.signup_time
