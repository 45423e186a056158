{#
  An example model: a table built from inline rows, so `cdp run` works before any data is loaded.
  Replace it with a model over your own data, e.g. select ... from {{ source('raw', 'customers') }}
  (this is a Jinja comment: templating runs inside SQL `--` comments too).
#}
{{ config(materialized='table') }}

select *
from (
  values
    ('c1', 'ada@example.com', 'Ada', 'London'),
    ('c2', 'grace@example.com', 'Grace', 'New York'),
    ('c3', 'alan@example.com', 'Alan', 'Manchester')
) as customers (customer_id, email, first_name, city)
