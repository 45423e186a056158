{{ config(materialized='table') }}

-- CRM contacts as the sales team typed them (duplicates included: identity resolves people).
select
    cast(contact_id as {{ type('string') }})   as contact_id,
    cast(email as {{ type('string') }})        as email,
    cast(phone as {{ type('string') }})        as phone,
    cast(first_name as {{ type('string') }})   as first_name,
    cast(last_name as {{ type('string') }})    as last_name,
    cast(city as {{ type('string') }})         as city,
    upper(country)                as country,
    cast(user_id as {{ type('string') }})      as user_id,
    cast(created_at as {{ type('timestamp') }}) as created_at,
    cast(updated_at as {{ type('timestamp') }}) as updated_at
from {{ source('raw', 'crm_contacts') }}
