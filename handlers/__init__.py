"""Command handlers: plain async functions over neutral messages."""
