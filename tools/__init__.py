"""Developer and operator tooling: the stack runner (`make run`), the terminal chat and the
build steps."""
