"""The programs that run the assistant: the Telegram channel (`python -m bot`), the terminal
chat (tools/console.py) and the process runner of `make run` (tools/stack.py)."""

READY_LINE = "Telegram channel ready"  # logged by `python -m bot` once it can take updates
