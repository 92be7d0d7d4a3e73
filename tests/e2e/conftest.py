"""Fixtures for the desktop app's end-to-end tests: the real app binary driven through
tauri-driver + WebKitWebDriver (Selenium), against a sandbox portal run by the CLI.

Run through `scripts/e2e` (it builds, installs tauri-driver and selenium, and provides Xvfb and a
D-Bus session with an unlocked GNOME Keyring). Paths can be overridden with E2E_APP, E2E_CLI and
TAURI_DRIVER; screenshots go to E2E_ARTIFACTS (default target/e2e).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions

from paint import save_screenshot

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
APP = Path(os.environ.get("E2E_APP", TARGET / "debug" / "docspace-tfa-desktop"))
CLI = Path(os.environ.get("E2E_CLI", TARGET / "debug" / "docspace-tfa"))
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", TARGET / "e2e"))

OWNER_KEY = "sk-sandbox-owner"
ADMIN_KEY = "sk-sandbox-admin"

# Every folder an app instance of this session wrote to, for the "no key on disk" test.
APP_DIRS: list[Path] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def find_tauri_driver() -> str:
    for candidate in (os.environ.get("TAURI_DRIVER"), str(TARGET / "ci-tools" / "bin" / "tauri-driver"), shutil.which("tauri-driver")):
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.exit("tauri-driver not found: run scripts/e2e, or set TAURI_DRIVER", returncode=2)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# ---- the sandbox portal (a separate process, like a real portal) ------------------------------

class Portal:
    """The CLI's sandbox portal, plus its loopback-only control API."""

    def __init__(self, url: str):
        self.url = url

    def request(self, method: str, path: str, body=None, key: str | None = None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if key:
            req.add_header("Authorization", f"Bearer {key}")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def state(self) -> dict:
        return self.request("GET", "/sandbox/state")

    def tfaapp(self) -> list:
        """`GET /api/2.0/settings/tfaapp` as the owner: what any DocSpace client would read."""
        return self.request("GET", "/api/2.0/settings/tfaapp", key=OWNER_KEY)["response"]

    def reset(self) -> None:
        """Back to "TFA disabled, no lists", without audit or sign-out."""
        off = {"enable": False, "trustedIps": None, "mandatoryUsers": None, "mandatoryGroups": None}
        self.request("PUT", "/sandbox/state/tfa", {"sms": off, "app": off})

    def requests(self) -> dict:
        """How many API requests the portal has seen, by "METHOD /path"."""
        return self.request("GET", "/sandbox/requests")

    def set_app(self, ips: list[str], users: list[str] | None = None, groups: list[str] | None = None) -> None:
        """App TFA on with these lists, as if saved elsewhere (no audit, no sign-out)."""
        self.request("PUT", "/sandbox/state/tfa", {"app": {"enable": True, "trustedIps": ips,
                                                           "mandatoryUsers": users or [], "mandatoryGroups": groups or []}})

    def people(self, query: str = "") -> list:
        q = urllib.parse.quote(query)
        return self.request("GET", f"/api/2.0/people/filter?filterValue={q}&startIndex=0&count=100", key=OWNER_KEY)["response"]


def start_portal(log: Path) -> tuple[subprocess.Popen, Portal]:
    """Starts `docspace-tfa sandbox` on a free port; its output goes to `log`."""
    if not CLI.is_file():
        pytest.exit(f"{CLI} is missing: build it (cargo build -p docspace-tfa)", returncode=2)
    proc = subprocess.Popen([str(CLI), "sandbox", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = None
    lines = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        if m:
            url = m.group(1)
            break
    if url is None:
        stop(proc)
        pytest.exit("the CLI sandbox did not print its URL:\n" + "".join(lines), returncode=2)

    # Keep draining its output so it never blocks on a full pipe.
    def drain():
        with open(log, "w") as f:
            f.writelines(lines)
            for line in proc.stdout:
                f.write(line)
    threading.Thread(target=drain, daemon=True).start()
    return proc, Portal(url)


@pytest.fixture(scope="session")
def portal(tmp_path_factory) -> Portal:
    proc, p = start_portal(tmp_path_factory.mktemp("sandbox") / "sandbox.log")
    yield p
    stop(proc)


@pytest.fixture()
def fresh_portal(tmp_path_factory) -> Portal:
    """A portal of its own, for tests that check what was (not) sent: empty audit, no requests."""
    proc, p = start_portal(tmp_path_factory.mktemp("sandbox") / "sandbox.log")
    yield p
    stop(proc)


@pytest.fixture()
def clean_portal(portal: Portal) -> Portal:
    portal.reset()
    return portal


# ---- the keychain ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def keychain(tmp_path_factory) -> bool:
    """An unlocked GNOME Keyring on the session bus, with its own data folder (outside the app's
    folders). Returns False when there is no session bus (the app then reports a keychain error
    and the tests connect for the session only)."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS") or not shutil.which("gnome-keyring-daemon"):
        return False
    data = tmp_path_factory.mktemp("keyring-data")
    env = dict(os.environ, XDG_DATA_HOME=str(data))
    out = subprocess.run(["gnome-keyring-daemon", "--unlock", "--components=secrets"], input=b"e2e-keyring-pw",
                         env=env, capture_output=True, timeout=20)
    return out.returncode == 0


# ---- the app -----------------------------------------------------------------------------------

class Profile:
    """One isolated user: its own HOME and XDG folders, and a tauri-driver that starts the app with
    them. Several launches of the same profile share its settings (remembered portal)."""

    def __init__(self, base: Path, artifacts: Path, name: str):
        self.base = base
        self.name = name
        self.artifacts = artifacts
        self.home = base / "home"
        self.dirs = {
            "HOME": self.home,
            "XDG_CONFIG_HOME": self.home / ".config",
            "XDG_DATA_HOME": self.home / ".local" / "share",
            "XDG_CACHE_HOME": self.home / ".cache",
            "XDG_STATE_HOME": self.home / ".local" / "state",
            "XDG_RUNTIME_DIR": base / "runtime",
        }
        for d in self.dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        self.dirs["XDG_RUNTIME_DIR"].chmod(0o700)
        APP_DIRS.extend([self.home, self.dirs["XDG_RUNTIME_DIR"]])
        self.env = dict(os.environ, **{k: str(v) for k, v in self.dirs.items()})
        self.port, native_port = free_port(), free_port()
        self.driver_log = open(base / "tauri-driver.log", "w")
        self.proc = subprocess.Popen([find_tauri_driver(), "--port", str(self.port), "--native-port", str(native_port)],
                                     env=self.env, stdout=self.driver_log, stderr=subprocess.STDOUT)
        # tauri-driver listens at once but starts WebKitWebDriver in the background; a session
        # request before that one listens is dropped ("Remote end closed connection").
        wait_port(self.port)
        wait_port(native_port)
        self.sessions: list[webdriver.Remote] = []

    def launch(self) -> webdriver.Remote:
        opts = ArgOptions()
        opts.set_capability("browserName", "wry")
        opts.set_capability("tauri:options", {"application": str(APP)})
        d = webdriver.Remote(command_executor=f"http://127.0.0.1:{self.port}", options=opts)
        d.implicitly_wait(0)
        self.sessions.append(d)
        return d

    def quit(self, d: webdriver.Remote) -> None:
        if d in self.sessions:
            self.sessions.remove(d)
            try:
                d.quit()
            except Exception:
                pass
        # Let the app exit and release its single-instance name before the next launch.
        time.sleep(0.5)

    def close(self) -> None:
        for d in list(self.sessions):
            self.quit(d)
        stop(self.proc)
        self.driver_log.close()


@pytest.fixture()
def profile(tmp_path_factory, artifacts, keychain, request):
    if not APP.is_file():
        pytest.exit(f"{APP} is missing: build it (cargo build -p docspace-tfa-desktop)", returncode=2)
    p = Profile(tmp_path_factory.mktemp("profile"), artifacts, request.node.name)
    yield p
    # A screenshot of where each test ended, pass or fail.
    for i, d in enumerate(p.sessions):
        try:
            save_screenshot(d, artifacts / f"{request.node.name}-{i}.png")
        except Exception:
            pass
    p.close()


@pytest.fixture()
def app(profile):
    """A freshly launched app with a clean profile."""
    return profile.launch()
