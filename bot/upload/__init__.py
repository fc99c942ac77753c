"""The signed one-time upload page, served by the bot's HTTP server."""
