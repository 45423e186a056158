-- Events your Segment / RudderStack SDKs send to `cdp serve` (POST /v1/..., see `collect` in
-- cdp.config.ts), landed raw in collected_events (one row per messageId). Webhook deliveries
-- (type 'webhook') are left out here: stage them in a model of their own.
select
  message_id,
  type,
  event,
  name,
  anonymous_id,
  user_id,
  group_id,
  previous_id,
  "timestamp" as ts,
  received_at,
  source,
  properties,
  traits,
  context
from {{ source('cdp', 'collected_events') }}
where type <> 'webhook'
