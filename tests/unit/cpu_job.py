"""A CPU job shaped like the agents' (`agents/*/cpu.py`): light to import, its stack loaded where it runs."""


def cube(n: int) -> int:
    from tests.unit import cpu_stack

    return cpu_stack.cube(n)
