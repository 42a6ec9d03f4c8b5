"""The Job controller (batch/v1): pure decisions (`plan`, `backoff`, `indexes`,
`failure_policy`) for the thin actor that reads the cache and performs the writes."""
