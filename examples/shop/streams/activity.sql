-- Inventory movements, to watch stock levels.
CREATE MATERIALIZED VIEW inventory_changes AS
SELECT product_id, warehouse, delta, reason, stock_after, changed_at
FROM shop.inventory;

-- Product page views from mobile devices (customer behaviour).
CREATE MATERIALIZED VIEW mobile_product_views AS
SELECT session_id, customer_id, product_id, view_time
FROM shop.page_views
WHERE device = 'mobile' AND product_id IS NOT NULL;
