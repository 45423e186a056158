{{ config(materialized='table') }}

-- One row per website event. Identifiers (anonymous_id, user_id, email) are kept exactly as
-- collected: normalising them is the identity step's job, so its audit trail shows raw values.
select
    cast(event_id as {{ type('string') }})     as event_id,
    cast(anonymous_id as {{ type('string') }}) as anonymous_id,
    cast(user_id as {{ type('string') }})      as user_id,
    cast(email as {{ type('string') }})        as email,
    cast(event as {{ type('string') }})        as event,
    cast(page_url as {{ type('string') }})     as page_url,
    cast(ts as {{ type('timestamp') }})         as ts
from {{ source('raw', 'web_events') }}
