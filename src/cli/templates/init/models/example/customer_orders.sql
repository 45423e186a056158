-- A view over the two tables above: one row per customer with their order totals.
select
  c.customer_id,
  c.email,
  c.city,
  count(o.order_id) as orders,
  coalesce(sum(case when o.status = 'completed' then o.amount end), 0) as revenue
from {{ ref('customers') }} as c
left join {{ ref('orders') }} as o on o.customer_id = c.customer_id
group by c.customer_id, c.email, c.city
