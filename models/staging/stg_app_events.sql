{{ config(materialized='table') }}

-- One row per mobile app event, keyed by the device it happened on.
select
    cast(event_id as {{ type('string') }})  as event_id,
    cast(device_id as {{ type('string') }}) as device_id,
    cast(user_id as {{ type('string') }})   as user_id,
    cast(event as {{ type('string') }})     as event,
    lower(platform)            as platform,
    cast(ts as {{ type('timestamp') }})      as ts
from {{ source('raw', 'app_events') }}
