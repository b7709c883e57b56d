"""What tests and benchmarks share: a fake Telegram Bot API server, the whole stack started
as `make run` starts it, free ports, and the fault scenarios."""
