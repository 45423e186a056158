{{ config(materialized='table') }}

select order_id, customer_id, cast(amount as double precision) as amount, status
from (
  values
    ('o1', 'c1', 120.0, 'completed'),
    ('o2', 'c1', 35.5, 'completed'),
    ('o3', 'c2', 80.0, 'refunded'),
    ('o4', 'c3', 15.25, 'completed')
) as orders (order_id, customer_id, amount, status)
