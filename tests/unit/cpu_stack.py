"""What `cpu_job.cube` stands on, as trafilatura and natasha under the agents' jobs: only CPU processes load it."""


def cube(n: int) -> int:
    return n * n * n
