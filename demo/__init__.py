"""The demo news site: pages rendered from the shared corpus, served on 127.0.0.1 for `vestnik run --demo`.

A fixture for the demo and the tests, apart from the runtime packages; nothing in
`streams` or `agents` depends on it but the command line.
"""
