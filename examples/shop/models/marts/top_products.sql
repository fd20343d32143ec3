-- Products ranked by revenue, with their category and current price.
{{ config(materialized='table', tags=['merchandising']) }}

with sales as (
    select
        product_id,
        count(distinct order_id) as orders,
        sum(quantity) as units,
        sum(line_revenue) as revenue
    from {{ ref('stg_order_items') }}
    group by product_id
)

select
    rank() over (order by s.revenue desc, s.product_id) as revenue_rank,
    p.product_id,
    p.name,
    p.category,
    p.price as current_price,
    s.orders,
    s.units,
    s.revenue
from sales as s
join {{ ref('stg_products') }} as p on p.product_id = s.product_id
