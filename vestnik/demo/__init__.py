"""The demo: a local news site of the project's own pages, served on 127.0.0.1 for `vestnik run --demo`,
and the check that prints what came out of the pipeline for each page.

A fixture for the demo and the tests, apart from the runtime packages; nothing in
`streams` or `agents` depends on it but the command line.
"""
