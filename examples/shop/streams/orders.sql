-- Orders that were not cancelled: the basis of revenue reporting.
CREATE MATERIALIZED VIEW orders AS
SELECT order_id, customer_id, order_time, status, channel, country, item_count, total, currency
FROM shop.orders
WHERE status <> 'cancelled';

-- Orders and revenue per sales channel, kept up to date as orders arrive: a
-- continuous GROUP BY whose table is upserted on its key (channel).
CREATE MATERIALIZED VIEW revenue_by_channel AS
SELECT channel, count(*) AS orders, sum(total) AS revenue
FROM shop.orders
WHERE status <> 'cancelled'
GROUP BY channel;

-- Orders and revenue per minute of order time and channel: a tumbling event-time window
-- whose rows land once, final, when the watermark passes the end of the minute.
CREATE MATERIALIZED VIEW orders_per_minute AS
SELECT window_start, window_end, channel, count(*) AS orders, sum(total) AS revenue
FROM TUMBLE(shop.orders, order_time, INTERVAL '1' MINUTE)
WHERE status <> 'cancelled'
GROUP BY window_start, window_end, channel
EMIT ON WINDOW CLOSE;

-- Every line of every order.
CREATE MATERIALIZED VIEW order_items AS
SELECT order_id, line_no, product_id, quantity, unit_price, discount
FROM shop.order_items;

-- Payments that went through.
CREATE MATERIALIZED VIEW payments AS
SELECT payment_id, order_id, method, amount, paid_at
FROM shop.payments
WHERE status = 'captured';

-- Large orders, for the sales team, also pushed to a file feed.
CREATE MATERIALIZED VIEW large_orders AS
SELECT order_id, customer_id, order_time, channel, country, total
FROM shop.orders
WHERE total >= 200 AND status <> 'cancelled';

INSERT INTO large_orders_feed
SELECT order_id, customer_id, order_time, total, upper(country) AS country
FROM shop.orders
WHERE total >= 200 AND status <> 'cancelled';

-- The five best-selling products by units ordered, kept live: a ROW_NUMBER() top-N over
-- a continuous GROUP BY. The aggregate's updates move products up and down the ranking;
-- the table is keyed by rn and always holds the current top five.
CREATE MATERIALIZED VIEW best_sellers_live AS
SELECT rn, product_id, units
FROM (
  SELECT product_id, units, ROW_NUMBER() OVER (ORDER BY units DESC) AS rn
  FROM (SELECT product_id, sum(quantity) AS units FROM shop.order_items GROUP BY product_id) AS sold
) AS ranked
WHERE rn <= 5;
