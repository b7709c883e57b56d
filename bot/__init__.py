"""The programs that run the assistant: the Telegram channel (`python -m bot`), the terminal
chat (bot/console.py) and the process runner of `make run` (bot/stack.py)."""

READY_LINE = "Telegram channel ready"  # logged by `python -m bot` once it can take updates
