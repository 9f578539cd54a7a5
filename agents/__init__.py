"""vestnik's agents: crawler, cleaner and annotator, each a pure core and a thin Faust binding."""
