"""The version of the story rules, carried on every assignment: a change of rules is a new version."""

STORIES_VERSION = "1.2"
