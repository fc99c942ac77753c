"""Channel names and the chat-reference prefixes that say what kind of chat a reference is."""

SHELL = "shell"
TELEGRAM = "telegram"
WECOM = "wecom"

WECOM_ROBOT = "robot:"  # a WeCom group robot: "robot:<id>"
WECOM_APPCHAT = "appchat:"  # a WeCom app group chat: "appchat:<chatid>"
SHELL_GROUP = "group:"  # a group chat in the terminal: "group:<name>"
