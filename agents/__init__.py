"""vestnik's agents' cores: crawler, cleaner, annotator and stories, with no Kafka; `streams/bindings/` binds them."""
