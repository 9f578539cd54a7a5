"""The agents' Faust bindings: each wires an agent's core (in `agents/`) to its topics, tables and CPU pool.

They sit on top of the platform (`streams`) and the cores; nothing below imports them.
"""
