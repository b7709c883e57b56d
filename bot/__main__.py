"""`python -m bot`: the Telegram channel, by long polling (default) or by webhook.

Settings come from the environment or `.env` (see `.env.example` and bot/settings.py).
"""
from __future__ import annotations

import logging
import sys

from telegram.error import InvalidToken, NetworkError

from bot import settings as settings_module
from bot.channel import build_application


def main() -> int:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per HTTP request otherwise
    try:
        settings = settings_module.load()
    except settings_module.SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    application = build_application(settings)
    try:
        if settings.webhook_mode:
            application.run_webhook(
                listen=settings.webhook_listen, port=settings.webhook_port, url_path=settings.webhook_path,
                webhook_url=settings.webhook_url, secret_token=settings.webhook_secret,
            )
        else:
            application.run_polling()
    except InvalidToken:
        print("error: Telegram rejected TELEGRAM_BOT_TOKEN; copy the token @BotFather gave you "
              "into .env again", file=sys.stderr)
        return 2
    except NetworkError as error:
        print(f"error: cannot reach the Telegram Bot API at {settings.api_base_url}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
