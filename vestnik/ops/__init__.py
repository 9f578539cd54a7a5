"""Operator tools on top of the runtime: the embedded broker, import, replay, lag, dead letters, reading topics."""
