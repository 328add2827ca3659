"""Online monitoring: sensors in registry zones, the ingest pipeline, alarms and exposure."""
