-- Order lines with what each line earned after its discount.
select
    order_id,
    line_no,
    product_id,
    quantity,
    unit_price,
    discount,
    quantity * unit_price - discount as line_revenue
from {{ ref('order_items') }}
