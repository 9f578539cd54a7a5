"""Scoring the agents' cores on the shared corpus (`vestnik eval`, `make eval`): no Kafka."""
