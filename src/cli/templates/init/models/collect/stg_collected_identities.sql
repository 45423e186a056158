-- Identifiers seen together in collected events, for `identity.sources` in cdp.config.ts: an
-- event links its anonymous_id and user_id; an alias call also links its previous_id (the
-- anonymous id, or earlier id, it replaces) to the user_id.
select message_id as event_key, ts, anonymous_id, user_id
from {{ ref('stg_collected_events') }}
where anonymous_id is not null or user_id is not null
union all
select message_id || ':previous' as event_key, ts, previous_id as anonymous_id, user_id
from {{ ref('stg_collected_events') }}
where type = 'alias' and previous_id is not null
