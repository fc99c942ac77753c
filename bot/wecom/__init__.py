"""The WeCom (企业微信) channel: callback server, API client, mapping, robots."""
