-- The current catalog: the latest row of each product (prices change over time).
select product_id, name, category, price, updated_at
from (
    select
        *,
        row_number() over (partition by product_id order by updated_at desc) as version_rank
    from {{ ref('product_updates') }}
) as versions
where version_rank = 1
