-- One row per Pendo feature_event row (a pre-aggregated bucket), typed, with its bucket key and
-- whether it is the bucket's latest sync (macros/connectors/pendo.sql).
{{ pendo_event_buckets('feature_event', 'feature_id') }}
