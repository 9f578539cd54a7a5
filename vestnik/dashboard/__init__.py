"""`vestnik dashboard`: one live page of what is in the news and how the pipeline is doing.

`board` folds topic records into bounded structures (no Kafka), `collect` tails the topics and polls
the workers into them, `charts` draws sparklines as inline SVG, and `server` serves the page and its
Server-Sent Events.
"""
