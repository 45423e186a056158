{{ config(materialized='table') }}

-- The email service's events: sent, open, click, unsubscribe.
select
    cast(event_id as {{ type('string') }})    as event_id,
    cast(email as {{ type('string') }})       as email,
    cast(campaign_id as {{ type('string') }}) as campaign_id,
    lower(event_type)            as event_type,
    cast(ts as {{ type('timestamp') }})        as ts
from {{ source('raw', 'email_engagement') }}
