"""The shared layer below the agents: article ids and canonical URLs, page decoding and charsets,
visible text (what the cleaner and the annotator publish carries no invisible characters).

It imports nothing of the agents, of Kafka or of Faust; the crawler, the cleaner
and the platform (`streams`) all build on it.
"""
