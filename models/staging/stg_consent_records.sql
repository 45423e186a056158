{{ config(materialized='table') }}

-- Consent granted or revoked per purpose over time; the latest record per person and purpose wins.
select
    cast(record_id as {{ type('string') }}) as record_id,
    cast(email as {{ type('string') }})     as email,
    cast(phone as {{ type('string') }})     as phone,
    lower(purpose)             as purpose,
    lower(status)              as status,
    cast(source as {{ type('string') }})    as source,
    cast(ts as {{ type('timestamp') }})      as ts
from {{ source('raw', 'consent_records') }}
