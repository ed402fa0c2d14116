-- One row per Pendo page_event row (a pre-aggregated bucket), typed, with its bucket key and
-- whether it is the bucket's latest sync (macros/connectors/pendo.sql).
{{ pendo_event_buckets('page_event', 'page_id') }}
