"""The console's settings from the environment (see docs/console.md).

The console has no database: its only state is the signed session cookie, so its only
secret is the key that signs it. Every worker and replica must share that key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from shared.clock import DEFAULT_TIME_ZONE
from shared.config import VAR_DIR, env, env_int

SERVICES = ("roster", "mentorship", "reporting", "welfare", "notifier")


def _secret_key(folder: Path | None = None) -> str:
    """``CONSOLE_SECRET_KEY`` or ``CONSOLE_SECRET_KEY_FILE``; else a key kept under the var
    directory, made once (the first of racing workers wins), so that every worker on one
    machine signs sessions alike."""
    inline = env("CONSOLE_SECRET_KEY")
    if inline:
        return inline
    path = env("CONSOLE_SECRET_KEY_FILE")
    if path:
        return Path(path).read_text().strip()
    target = (folder or VAR_DIR) / "console" / "secret_key"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f"secret_key.{os.getpid()}.tmp"
        tmp.write_text(secrets.token_hex(32))
        tmp.chmod(0o600)
        try:
            os.link(tmp, target)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return target.read_text().strip()


class Config:
    """Console settings. ``API_URLS[service]`` is the base URL (scheme, host, port) that serves
    ``/api/v1/<service>/``; ``None`` means the host the browser reached the console on,
    which is right for the embedded default and behind one reverse proxy."""

    SERVICE = "console"

    def __init__(self, var_dir: Path | None = None, **overrides: object) -> None:
        common = env("CONSOLE_API_URL")
        self.API_URLS: dict[str, str | None] = {
            name: env(f"CONSOLE_{name.upper()}_URL", common) for name in SERVICES
        }
        self.API_TIMEOUT = float(env("CONSOLE_API_TIMEOUT", "20"))
        self.SESSION_COOKIE_SECURE = env("CONSOLE_COOKIE_SECURE", "0") == "1"
        self.SESSION_HOURS = env_int("CONSOLE_SESSION_HOURS", 8)
        self.DEFAULT_LANG = env("CONSOLE_DEFAULT_LANG", "zh")
        self.TIME_ZONE = env("TIME_ZONE", DEFAULT_TIME_ZONE)
        self.MAX_UPLOAD = env_int("CONSOLE_MAX_UPLOAD", 10 * 1024 * 1024)
        # proxies in front of the console whose X-Forwarded-For is believed (0: none)
        self.TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)
        self.SECRET_KEY = overrides.pop("SECRET_KEY", None) or _secret_key(var_dir)
        for key, value in overrides.items():
            setattr(self, key, value)
