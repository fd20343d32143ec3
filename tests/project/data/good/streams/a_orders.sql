INSERT INTO console SELECT * FROM orders;
