"""A CPU job that only a CPU process imports (see test_offload)."""


def cube(n: int) -> int:
    return n * n * n
