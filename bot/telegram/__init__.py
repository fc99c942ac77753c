"""The Telegram channel: python-telegram-bot driven inside the bot's own event loop."""
