-- Customers as they sign up.
CREATE MATERIALIZED VIEW customers AS
SELECT customer_id, name, country, signup_time, segment
FROM shop.customers;

-- The product catalog: one row per product first, then one per price change.
CREATE MATERIALIZED VIEW product_updates AS
SELECT product_id, name, category, price, updated_at
FROM shop.products;
