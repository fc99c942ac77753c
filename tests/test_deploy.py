"""The service files in deploy/ agree with the bot they run: every key they set is a real
setting, the ports and the data folder are the ones the bot uses, the proxy lets the largest
upload the bot accepts through, and the health check asks for a route the HTTP server has.
Nothing is built or started here (no docker, no systemd): the files are read as text."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest
import yaml

from bot.cli import build_parser
from bot.health import Health
from bot.upload.page import FORM_OVERHEAD
from domain.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
MIB = 1024 * 1024
# Variables the process reads that are not the bot's settings (README "Configuration").
PROCESS_ENV = {"SSL_CERT_FILE", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "PYTHONUNBUFFERED"}
# Litestream's S3 keys, read by it from the environment (README "Backups and replication").
PROCESS_ENV |= {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"}
UNITS = ("duban-bot.service", "duban-bot-replicate.service")
SETTINGS = {field.alias for field in Settings.model_fields.values() if field.alias}


def default(name: str) -> object:
    return Settings.model_fields[name].default


def unit(name: str = "duban-bot.service") -> dict[str, list[str]]:
    """A systemd unit's keys (a key may repeat) → values, sections merged."""
    found: dict[str, list[str]] = {}
    for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def env_file_keys(text: str) -> dict[str, tuple[bool, str]]:
    """KEY → (set: uncommented, value) for each `KEY=` line of an env file, commented included."""
    keys: dict[str, tuple[bool, str]] = {}
    for line in text.splitlines():
        hit = re.match(r"(#\s*)?([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if hit and not keys.get(hit[2], (False, ""))[0]:
            keys[hit[2]] = (not hit[1], hit[3])
    return keys


def sample_env() -> dict[str, tuple[bool, str]]:
    return env_file_keys((DEPLOY / "duban-bot.env").read_text(encoding="utf-8"))


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [
        (word.upper(), rest.strip())
        for word, _, rest in (line.strip().partition(" ") for line in joined.splitlines())
        if word
    ]


def docker_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for op, args in dockerfile():
        if op == "ENV":
            env.update(tuple(part.split("=", 1)) for part in shlex.split(args))  # type: ignore[misc]
    return env


def subcommands() -> set[str]:
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def test_the_env_file_sets_real_settings_and_leaves_the_data_folder_to_the_unit() -> None:
    keys = sample_env()
    unknown = set(keys) - SETTINGS - PROCESS_ENV
    assert not unknown, f"deploy/duban-bot.env names keys the bot does not read: {unknown}"
    # The unit and the image each put the data elsewhere; an EnvironmentFile would override it.
    assert "BOT_DATA_DIR" not in keys
    # Set, so the HTTP server (and /healthz) runs whatever the channels.
    assert keys["BOT_HTTP_PORT"] == (True, str(default("http_port")))
    # The limits the nginx sample is sized for.
    assert keys["BOT_MAX_ATTACHMENT_MB"][1] == f"{default('max_attachment_mb'):g}"
    assert keys["BOT_UPLOAD_MAX_FILES"][1] == str(default("upload_max_files"))


@pytest.mark.parametrize("name", UNITS)
def test_the_systemd_units_restart_harden_and_keep_the_data_in_the_state_directory(
    name: str,
) -> None:
    found = unit(name)
    assert found["Restart"] == ["on-failure"]
    assert found["EnvironmentFile"] == ["/etc/duban-bot/duban-bot.env"]
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
    }.items():
        assert found[key] == [value], key
    environment = dict(item.split("=", 1) for item in found["Environment"])
    unknown = set(environment) - SETTINGS - PROCESS_ENV
    assert not unknown, f"the unit sets keys the bot does not read: {unknown}"
    (state,) = found["StateDirectory"]
    # StateDirectory= is what ProtectSystem=strict leaves writable: the data folder must be it.
    assert environment["BOT_DATA_DIR"] == f"/var/lib/{state}"
    (start,) = found["ExecStart"]
    program, script, command = start.split()
    assert program == f"{found['WorkingDirectory'][0]}/.venv/bin/python"
    assert script == "main.py" and command in subcommands()


def test_the_folders_the_sample_names_for_backups_and_replicas_are_writable_in_their_units() -> (
    None
):
    env = sample_env()
    backups = unit("duban-bot.service")["ReadWritePaths"]
    assert f"-{env['BOT_BACKUP_DIR'][1]}" in backups
    replicas = unit("duban-bot-replicate.service")["ReadWritePaths"]
    assert f"-{env['BOT_REPLICA_DIR'][1]}" in replicas
    assert unit("duban-bot.service")["ExecStart"][0].endswith(" serve")
    assert unit("duban-bot-replicate.service")["ExecStart"][0].endswith(" replicate")


def test_nginx_lets_the_largest_upload_through_to_the_port_the_bot_listens_on() -> None:
    conf = (DEPLOY / "nginx" / "duban-bot.conf").read_text(encoding="utf-8")
    live = "\n".join(line for line in conf.splitlines() if not line.lstrip().startswith("#"))
    (size,) = re.findall(r"client_max_body_size\s+(\d+)m;", live)
    # The upload page's own cap (bot/upload/page.py) with the default settings.
    files = default("upload_max_files")
    each = float(default("max_attachment_mb")) * MIB  # type: ignore[arg-type]
    most = int(files) * int(each) + FORM_OVERHEAD  # type: ignore[call-overload]
    assert most <= int(size) * MIB <= most + 16 * MIB, (size, most / MIB)
    assert re.search(r"proxy_request_buffering\s+off;", live)
    for timeout in ("client_body_timeout", "proxy_read_timeout", "proxy_send_timeout"):
        assert re.search(rf"{timeout}\s+\d+s;", live), timeout
    assert re.search(r"listen\s+443\s+ssl;", live) and "ssl_certificate_key" in live
    upstream = re.search(r"upstream duban_bot \{[^}]*server\s+([\d.]+):(\d+);", live)
    assert upstream and upstream[1] == default("http_host")
    assert int(upstream[2]) == default("http_port")
    # The webhook location, commented out, names Telegram's default port.
    assert f"proxy_pass http://127.0.0.1:{default('telegram_webhook_port')};" in conf
    # WeCom fetches WW_verify_<code>.txt from the domain root, from a folder of its own.
    verify = re.search(r'location ~ "\^/WW_verify_[^"]+\\\.txt\$" \{\s*root (/\S+);', live)
    assert verify, "no location for WeCom's WW_verify_*.txt"


def test_the_image_runs_unprivileged_with_the_data_volume_and_a_real_health_check() -> None:
    steps = dockerfile()
    (base,) = [args for op, args in steps if op == "FROM"]
    assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", base), base
    env = docker_env()
    unknown = {key for key in env if not key.startswith(("PYTHON", "PIP_"))} - SETTINGS
    assert not unknown, f"the Dockerfile sets keys the bot does not read: {unknown}"
    (volume,) = [args for op, args in steps if op == "VOLUME"]
    assert volume == f'["{env["BOT_DATA_DIR"]}"]' == '["/data"]'
    (user,) = [args for op, args in steps if op == "USER"]
    assert user not in ("root", "0") and "useradd" in " ".join(a for o, a in steps if o == "RUN")
    (expose,) = [args for op, args in steps if op == "EXPOSE"]
    assert expose == env["BOT_HTTP_PORT"]
    (check,) = [args for op, args in steps if op == "HEALTHCHECK"]
    hit = re.search(
        r"http://127\.0\.0\.1:%s(/\w+)' % os\.environ\.get\('BOT_HTTP_PORT', '(\d+)'\)", check
    )
    assert hit and hit[2] == env["BOT_HTTP_PORT"], check
    served = {
        route.path for route in Health.routes(Health.__new__(Health)) if route.method == "GET"
    }
    assert hit[1] in served, f"HEALTHCHECK asks for {hit[1]}; the server has {served}"
    (cmd,) = [args for op, args in steps if op == "CMD"]
    assert cmd == '["python", "main.py", "serve"]'
    assert "--require-hashes -r requirements.lock" in " ".join(a for o, a in steps if o == "RUN")


def test_compose_runs_that_image_with_the_volume_the_env_file_and_the_port_on_loopback() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    bot = compose["services"]["bot"]
    assert (DEPLOY / bot["build"]["context"] / bot["build"]["dockerfile"]).resolve() == (
        DEPLOY / "Dockerfile"
    )
    assert [(DEPLOY / name).resolve() for name in bot["env_file"]] == [DEPLOY / "duban-bot.env"]
    (volume,) = bot["volumes"]
    assert volume.split(":")[1] == docker_env()["BOT_DATA_DIR"]
    (port,) = bot["ports"]
    assert port == f"127.0.0.1:{default('http_port')}:{docker_env()['BOT_HTTP_PORT']}"
    unknown = set(bot.get("environment", {})) - SETTINGS - PROCESS_ENV
    assert not unknown, unknown
    # Replication beside it: the same image, data volume and settings; no /healthz to ask.
    replicate = compose["services"]["replicate"]
    assert replicate["image"] == bot["image"] and replicate["volumes"] == bot["volumes"]
    assert replicate["env_file"] == bot["env_file"] and replicate["healthcheck"] == {
        "disable": True
    }
    assert replicate["command"][:2] == ["python", "main.py"]
    assert replicate["command"][2] in subcommands()
