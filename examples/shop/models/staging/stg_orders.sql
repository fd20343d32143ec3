-- Orders that were not cancelled (the `orders` stream table), with their calendar day.
select
    order_id,
    customer_id,
    order_time,
    cast(order_time as date) as order_date,
    status,
    channel,
    country,
    item_count,
    total,
    currency
from {{ ref('orders') }}
