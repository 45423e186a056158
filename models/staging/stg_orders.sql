{{ config(materialized='table') }}

-- Web shop and store (POS) orders; amounts in the order's own currency.
select
    cast(order_id as {{ type('string') }})         as order_id,
    cast(user_id as {{ type('string') }})          as user_id,
    cast(email as {{ type('string') }})            as email,
    cast(phone as {{ type('string') }})            as phone,
    cast(amount as {{ type('number') }})  as amount,
    upper(currency)                   as currency,
    lower(channel)                    as channel,
    cast(store_id as {{ type('string') }})         as store_id,
    cast(ordered_at as {{ type('timestamp') }})     as ordered_at
from {{ source('raw', 'orders') }}
