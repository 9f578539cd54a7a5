"""The operator's side of vestnik: the `vestnik` command and the dashboard, above the runtime in `streams`."""
