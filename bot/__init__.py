"""The programs that run the assistant: the process runner (and, later, the Telegram channel)."""
