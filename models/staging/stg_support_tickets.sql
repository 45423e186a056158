{{ config(materialized='table') }}

-- Help desk tickets with the address (and sometimes the number) the customer wrote from.
select
    cast(ticket_id as {{ type('string') }})    as ticket_id,
    cast(email as {{ type('string') }})        as email,
    cast(phone as {{ type('string') }})        as phone,
    cast(subject as {{ type('string') }})      as subject,
    lower(status)                 as status,
    lower(priority)               as priority,
    cast(created_at as {{ type('timestamp') }}) as created_at
from {{ source('raw', 'support_tickets') }}
