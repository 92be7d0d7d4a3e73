#!/usr/bin/env python3
"""Drives tests/ui/preview.html (the real ui/ on the mock backend) in headless Chromium through
Selenium + chromedriver, checks the main flows and keyboard behaviour, and fails on any console
error (CSP violations included). Optional screenshots with --shots DIR.

Needs: chromium, chromium-driver (Debian), `pip install selenium`. Run from anywhere:
    python3 tests/ui/smoke.py [--shots /tmp/ui-shots] [--dark]
"""
import argparse
import contextlib
import functools
import http.server
import os
import sys
import threading
import time

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve():
    handler = functools.partial(QuietHandler, directory=ROOT)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def driver(dark, size):
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run", f"--window-size={size}"):
        opts.add_argument(a)
    if dark:
        opts.add_argument("--force-dark-mode")
        opts.add_argument("--blink-settings=preferredColorScheme=0")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    binary = "/usr/bin/chromium"
    if os.path.exists(binary):
        opts.binary_location = binary
    svc = webdriver.ChromeService(executable_path="/usr/bin/chromedriver") if os.path.exists("/usr/bin/chromedriver") else None
    return webdriver.Chrome(options=opts, service=svc) if svc else webdriver.Chrome(options=opts)


class Run:
    def __init__(self, d, base, shots):
        self.d, self.base, self.shots, self.failures = d, base, shots, []

    def open(self, query):
        self.d.get(f"{self.base}/tests/ui/preview.html?{query}")

    def q(self, css):
        return self.d.find_element(By.CSS_SELECTOR, css)

    def qq(self, css):
        return self.d.find_elements(By.CSS_SELECTOR, css)

    def wait(self, pred, what, timeout=6):
        try:
            return WebDriverWait(self.d, timeout, poll_frequency=0.05).until(lambda _: pred())
        except Exception as e:
            raise AssertionError(f"timed out waiting for {what}") from e

    def visible(self, css):
        els = self.qq(css)
        return bool(els) and els[0].is_displayed()

    def active_matches(self, css):
        return self.d.execute_script("return document.activeElement && document.activeElement.matches(arguments[0])", css)

    def shot(self, name):
        if self.shots:
            os.makedirs(self.shots, exist_ok=True)
            self.d.save_screenshot(os.path.join(self.shots, f"{name}.png"))

    def paste(self, css, text):
        self.d.execute_script("""
            const el = document.querySelector(arguments[0]); el.focus();
            const dt = new DataTransfer(); dt.setData('text/plain', arguments[1]);
            el.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
        """, css, text)

    def dialog_open(self, css):
        return self.d.execute_script("return document.querySelector(arguments[0]).open", css)

    def toast_text(self):
        return self.q("#toast-text").get_attribute("textContent")

    def menu_pick(self, item):
        """Opens the More menu and picks an item by id."""
        self.q("#more-actions").click()
        self.wait(lambda: self.visible(item), f"the menu item {item}")
        self.q(item).click()

    def ready(self, query="state=policy"):
        self.open(query)
        self.wait(lambda: self.visible("#policy-form"), "the policy form")

    def ip_texts(self):
        # In one script: rows re-render while a new policy loads, so element handles go stale.
        return self.d.execute_script("return [...document.querySelectorAll('.ip-row .ip-text')].map((e) => e.value)")

    def console_errors(self):
        try:
            logs = self.d.get_log("browser")
        except Exception:
            return []
        return [l["message"] for l in logs if l["level"] == "SEVERE" and "favicon" not in l["message"]]


def check(run, name, fn):
    try:
        fn(run)
        errors = run.console_errors()
        if errors:
            raise AssertionError("console errors: " + " | ".join(errors))
        print(f"ok   {name}")
    except Exception as e:  # noqa: BLE001
        run.failures.append(name)
        print(f"FAIL {name}: {str(e).splitlines()[0] if str(e) else type(e).__name__}"
              f"{' <- ' + str(e.__cause__).splitlines()[0] if e.__cause__ and str(e.__cause__) else ''}")
        run.shot(f"FAIL-{name}")


# ---- flows ------------------------------------------------------------------------------------

def connect_flow(r):
    r.open("state=connect")
    r.wait(lambda: r.visible("#connect-form"), "the connect form")
    assert r.q("#api-key").get_attribute("type") == "password"
    assert r.q("#api-key").get_attribute("autocomplete") == "off"
    assert r.q("#remember").is_selected()
    r.q("#connect").click()
    r.wait(lambda: r.visible("#portal-error"), "the empty-portal error")
    r.q("#portal").send_keys("https://acme.onlyoffice.com")
    r.q("#api-key").send_keys("bad", Keys.ENTER)
    r.wait(lambda: r.visible("#api-key-error"), "the key error")
    assert not r.visible("#portal-error")
    assert r.q("#api-key").get_attribute("aria-invalid") == "true"
    r.shot("connect-error")
    r.q("#api-key").clear()
    r.q("#api-key").send_keys("good-key", Keys.ENTER)
    r.wait(lambda: r.visible("#policy-form"), "the policy screen")
    assert r.q("#api-key").get_attribute("value") == "", "the key must be cleared after connect"
    assert "acme.onlyoffice.com" in r.q("#session-portal").text
    assert r.q("#session-role").text == "Owner"
    assert not r.visible("#sandbox-badge")


def portal_validation(r):
    r.open("state=connect")
    r.wait(lambda: r.visible("#connect-form"), "the connect form")
    r.q("#portal").send_keys("not a url")
    r.q("#api-key").send_keys("k", Keys.ENTER)
    r.wait(lambda: r.visible("#portal-error"), "the portal error (validation)")
    assert not r.visible("#api-key-error")


def keychain_flow(r):
    r.open("state=keychain")
    r.wait(lambda: r.visible("#session-only"), "the session-only offer")
    assert "keychain" in r.q("#connect-error-text").text
    r.shot("keychain")
    r.q("#session-only").click()
    r.wait(lambda: r.visible("#policy-form"), "the policy screen")
    assert "session only" in r.q("#session-key").text


def sandbox_flow(r):
    r.open("state=connect")
    r.wait(lambda: r.visible("#try-sandbox"), "the sandbox button")
    r.q("#try-sandbox").click()
    r.wait(lambda: r.visible("#policy-form"), "the policy screen")
    assert r.visible("#sandbox-badge")


def autoconnect_flow(r):
    r.open("state=autoconnect&latency=600")
    r.wait(lambda: r.visible("#connecting-screen"), "the connecting state")
    assert "acme.onlyoffice.com" in r.q("#connecting-portal").text
    r.wait(lambda: r.visible("#policy-form"), "the policy screen")
    r.open("state=autofail")
    r.wait(lambda: r.visible("#api-key-error"), "the noKey error under the key")
    assert r.q("#portal").get_attribute("value") == "https://acme.onlyoffice.com"


def load_states(r):
    r.open("state=loading")
    r.wait(lambda: r.visible("#policy-loading"), "the loading state")
    assert r.q("#policy-screen").get_attribute("aria-busy") == "true"
    r.open("state=loaderror")
    r.wait(lambda: r.visible("#policy-error"), "the load error")
    assert r.visible("#load-retry")


def ip_editor(r):
    r.open("state=policy")
    r.wait(lambda: r.visible("#policy-form"), "the policy form")
    assert r.q("input[name=method][value=app]").is_selected()
    assert not r.q("input[name=method][value=sms]").is_enabled()
    assert "SMS provider" in r.q("#method-sms-reason").text
    assert not r.q("#review").is_enabled()
    # The portal's bad CIDR is flagged and blocks the save.
    r.wait(lambda: r.qq(".ip-row .ip-error"), "the host-bits error")
    r.q("#ip-input").send_keys("203.0.113.7", Keys.ENTER)
    r.wait(lambda: "203.0.113.7" in r.ip_texts(), "the added IP")
    assert r.visible("#dirty-indicator")
    r.wait(lambda: "marked in red" in r.q("#savebar-msg").text, "the blocker message")
    assert not r.q("#review").is_enabled()
    # Paste of several entries, one of them bad: all are added, the bad one shows its error.
    r.paste("#ip-input", "198.51.100.1\n198.51.100.2, vpn.example.com; 10.9.0.1 - 10.9.0.9")
    r.wait(lambda: len(r.ip_texts()) == 9, "four pasted entries")
    assert "10.9.0.1 - 10.9.0.9" in r.ip_texts()
    bad = r.ip_texts().index("vpn.example.com")
    r.wait(lambda: r.qq(f'.ip-row[data-index="{bad}"] .ip-error'), "the host-name error")
    # Delete on a focused row removes it.
    r.d.execute_script("document.querySelector(arguments[0]).focus()", f'.ip-row[data-index="{bad}"]')
    r.d.switch_to.active_element.send_keys(Keys.DELETE)
    r.wait(lambda: "vpn.example.com" not in r.ip_texts(), "the removed row")
    # "Use <canonical>" fixes the portal's CIDR.
    r.wait(lambda: r.qq(".ip-row .ip-use-canonical"), "the canonical offer")
    fix = [b for b in r.qq(".ip-row .ip-use-canonical") if "192.168.1.0/24" in b.text][0]
    fix.click()
    r.wait(lambda: "192.168.1.0/24" in r.ip_texts(), "the canonical entry")
    # Edit in place: a leading zero gets a warning and a canonical offer.
    row = r.qq(".ip-row .ip-text")[0]
    row.send_keys(Keys.END, "0")  # 10.0.0.0/80 is invalid
    r.wait(lambda: r.qq('.ip-row[data-index="0"] .ip-error'), "the in-place edit error")
    row.send_keys(Keys.BACKSPACE)
    r.wait(lambda: not r.qq('.ip-row[data-index="0"] .ip-error'), "the fixed entry")
    # Remove button.
    n = len(r.ip_texts())
    r.q('.ip-row[data-index="1"] .ip-remove').click()
    r.wait(lambda: len(r.ip_texts()) == n - 1, "removal by button")
    assert r.q('.ip-row[data-index="0"] .ip-remove').get_attribute("aria-label").startswith("Remove ")
    r.wait(lambda: r.q("#review").is_enabled(), "the Review button")
    r.shot("ips")
    # Revert restores the loaded policy.
    r.q("#revert").click()
    r.wait(lambda: not r.visible("#dirty-indicator"), "the reverted draft")
    assert "192.168.1.10/24" in r.ip_texts()


def pickers(r):
    r.open("state=policy")
    r.wait(lambda: r.visible("#policy-form"), "the policy form")
    chips = [c.get_attribute("data-id") for c in r.qq("#user-chips .chip")]
    assert len(chips) == 3
    texts = " ".join(c.text for c in r.qq("#user-chips .chip"))
    assert "sara.kim@acme.example" in texts and "unknown user 0badc0de" in texts
    assert r.qq("#user-chips .chip.chip-unknown")
    search = r.q("#user-search")
    assert search.get_attribute("role") == "combobox"
    search.send_keys("a")
    r.wait(lambda: len(r.qq("#user-results [role=option]")) == 25, "the first page")
    assert search.get_attribute("aria-expanded") == "true"
    assert r.visible("#user-more")
    r.q("#user-more").click()
    r.wait(lambda: len(r.qq("#user-results [role=option]")) > 25, "the second page")
    r.shot("picker")
    # Keyboard: ArrowDown moves, Enter adds and empties the box for the next search; ArrowDown
    # in the empty box reopens the results, the option marked as added.
    search.send_keys(Keys.ARROW_DOWN)
    active = search.get_attribute("aria-activedescendant")
    assert active == "user-opt-1", active
    opt_id = r.q("#user-opt-1").get_attribute("data-id")
    search.send_keys(Keys.ENTER)
    r.wait(lambda: r.qq(f'#user-chips .chip[data-id="{opt_id}"]'), "the new chip")
    assert search.get_attribute("value") == ""
    assert search.get_attribute("aria-expanded") == "false"
    search.send_keys(Keys.ARROW_DOWN)
    assert "is-added" in r.q("#user-opt-1").get_attribute("class")
    search.send_keys(Keys.ESCAPE)
    assert search.get_attribute("aria-expanded") == "false"
    assert r.visible("#dirty-indicator")
    # Backspace on a focused chip removes it.
    chip = r.q(f'#user-chips .chip[data-id="{opt_id}"]')
    r.d.execute_script("arguments[0].focus()", chip)
    r.d.switch_to.active_element.send_keys(Keys.BACKSPACE)
    r.wait(lambda: not r.qq(f'#user-chips .chip[data-id="{opt_id}"]'), "the removed chip")
    assert not r.visible("#dirty-indicator")
    # Groups: the x button removes.
    r.q("#group-search").send_keys("every")
    r.wait(lambda: r.qq("#group-results [role=option]"), "group results")
    r.q("#group-results [role=option]").click()
    r.wait(lambda: r.qq('#group-chips .chip[data-id="c5cc67d1-c3e8-43c0-a3ad-3928ae3e5b5e"]'), "the Everyone chip")
    r.q('#group-chips .chip[data-id="c5cc67d1-c3e8-43c0-a3ad-3928ae3e5b5e"] .chip-remove').click()
    r.wait(lambda: not r.qq('#group-chips .chip[data-id="c5cc67d1-c3e8-43c0-a3ad-3928ae3e5b5e"]'), "the removed group")


def disabled_method(r):
    r.open("state=policy")
    r.wait(lambda: r.visible("#policy-form"), "the policy form")
    r.q("input[name=method][value=none]").click()
    r.wait(lambda: r.visible("#disabled-note"), "the wipe note")
    assert "wipes" in r.q("#disabled-note").text
    assert not r.q("#ip-input").is_enabled() and not r.q("#user-search").is_enabled()
    assert r.qq(".ip-row") and r.qq("#user-chips .chip"), "lists stay visible"
    r.wait(lambda: r.q("#review").is_enabled(), "Review enabled despite IP errors")
    r.shot("disabled")
    r.q("#review").click()
    r.wait(lambda: r.visible("#review-content"), "the review")
    text = r.q("#review-dialog").text
    assert "wipes" in text and "Authenticator app → Disabled" in text, text


def review_and_save(r):
    r.open("state=policy")
    r.wait(lambda: r.visible("#policy-form"), "the policy form")
    r.wait(lambda: r.qq(".ip-row .ip-use-canonical"), "the canonical offer")
    [b for b in r.qq(".ip-row .ip-use-canonical") if "192.168.1.0/24" in b.text][0].click()
    r.q("#user-search").send_keys("olga")
    r.wait(lambda: r.qq("#user-results [role=option]"), "results")
    r.q("#user-search").send_keys(Keys.ENTER, Keys.ESCAPE)
    r.wait(lambda: r.q("#review").is_enabled(), "the Review button")
    r.q("#review").click()
    r.wait(lambda: r.visible("#review-content"), "the review")
    assert r.d.execute_script("return document.getElementById('review-dialog').open")
    text = r.q("#review-dialog").text
    assert "Olga Novak" in text and "192.168.1.0/24" in text and "signed out" in text, text
    assert r.q("#confirm-save").is_enabled()
    # Focus stays in the dialog.
    for _ in range(8):
        r.d.switch_to.active_element.send_keys(Keys.TAB)
        assert r.d.execute_script("return document.getElementById('review-dialog').contains(document.activeElement)")
    r.shot("review")
    r.d.switch_to.active_element.send_keys(Keys.ESCAPE)
    r.wait(lambda: not r.d.execute_script("return document.getElementById('review-dialog').open"), "Escape closing the dialog")
    assert r.visible("#dirty-indicator"), "the draft stays after closing"
    r.q("#review").click()
    r.wait(lambda: r.q("#confirm-save").is_enabled(), "Confirm")
    r.q("#confirm-save").click()
    r.wait(lambda: "Saved and verified" in r.q("#toast").text, "the success toast")
    assert not r.d.execute_script("return document.getElementById('review-dialog').open")
    assert not r.visible("#dirty-indicator")
    assert "192.168.1.0/24" in r.ip_texts()
    r.shot("saved")


def conflict_overwrite(r):
    r.open("state=policy&conflict=1")
    r.wait(lambda: r.visible("#policy-form"), "the policy form")
    r.q("input[name=method][value=none]").click()
    r.wait(lambda: r.q("#review").is_enabled(), "the Review button")
    r.q("#review").click()
    r.wait(lambda: r.q("#confirm-save").is_enabled(), "Confirm")
    r.q("#confirm-save").click()
    r.wait(lambda: r.visible("#conflict-panel"), "the conflict panel")
    r.wait(lambda: "Carlos Tanaka" in r.q("#conflict-diff").text, "their change by name")
    assert "172.16.0.0/12" in r.q("#conflict-diff").text
    r.shot("conflict")
    r.q("#conflict-overwrite").click()
    r.wait(lambda: r.visible("#conflict-overwrite-confirm"), "the second confirmation")
    r.q("#conflict-overwrite-confirm").click()
    r.wait(lambda: "Saved and verified" in r.q("#toast").text, "the success toast")
    assert r.q("input[name=method][value=none]").is_selected()


def conflict_reload_keep(r):
    r.open("state=policy&conflict=1")
    r.wait(lambda: r.visible("#policy-form"), "the policy form")
    r.wait(lambda: r.qq(".ip-row .ip-use-canonical"), "the canonical offer")
    [b for b in r.qq(".ip-row .ip-use-canonical") if "192.168.1.0/24" in b.text][0].click()
    r.q("#ip-input").send_keys("203.0.113.9", Keys.ENTER)
    r.wait(lambda: r.q("#review").is_enabled(), "the Review button")
    r.q("#review").click()
    r.wait(lambda: r.q("#confirm-save").is_enabled(), "Confirm")
    r.q("#confirm-save").click()
    r.wait(lambda: r.visible("#conflict-reload"), "the conflict panel")
    r.q("#conflict-reload").click()
    r.wait(lambda: r.visible("#confirm-ok"), "the keep-or-discard question")
    r.q("#confirm-ok").click()  # Keep my changes
    r.wait(lambda: r.visible("#review-content") and r.q("#confirm-save").is_enabled(), "the new review")
    ips = r.ip_texts()
    assert "172.16.0.0/12" in ips and "203.0.113.9" in ips, ips  # theirs + mine
    r.q("#confirm-save").click()
    r.wait(lambda: "Saved and verified" in r.q("#toast").text, "the success toast")


def save_failure(r):
    r.open("state=policy&savefail=1")
    r.wait(lambda: r.visible("#policy-form"), "the policy form")
    r.q("input[name=method][value=none]").click()
    r.q("#review").click()
    r.wait(lambda: r.q("#confirm-save").is_enabled(), "Confirm")
    r.q("#confirm-save").click()
    r.wait(lambda: r.visible("#review-error"), "the save error")
    assert "502" in r.q("#review-error-text").text
    assert r.visible("#review-reload")
    r.q("#review-cancel").click()
    assert r.q("input[name=method][value=none]").is_selected(), "the draft stays"


def disconnect_guard(r):
    r.open("state=policy")
    r.wait(lambda: r.visible("#policy-form"), "the policy form")
    r.q("#ip-input").send_keys("203.0.113.7", Keys.ENTER)
    r.wait(lambda: r.visible("#dirty-indicator"), "a dirty draft")
    r.q("#disconnect").click()
    r.wait(lambda: r.visible("#confirm-dialog"), "the discard question")
    r.q("#confirm-cancel").click()
    assert r.visible("#policy-form")
    r.q("#forget-key").click()
    r.wait(lambda: r.visible("#confirm-ok"), "the forget confirmation")
    r.shot("forget")
    r.q("#confirm-ok").click()
    r.wait(lambda: r.visible("#connect-form"), "the connect screen")
    assert r.q("#portal").get_attribute("value") == "https://acme.onlyoffice.com"
    r.wait(lambda: "deleted from the keychain" in r.q("#toast").text, "the forget toast")


# ---- safe-change features ---------------------------------------------------------------------

def drift_banner(r):
    r.ready("state=drift")
    r.wait(lambda: r.visible("#drift-banner"), "the drift banner")
    title = r.q("#drift-title").text
    assert "changed outside this app since your last save (#3)" in title, title
    # Names for ids only in our last save come from review_draft.
    r.wait(lambda: "Lena Petrov" in r.q("#drift-diff").text, "the removed user by name")
    text = r.q("#drift-diff").text
    assert "Security" in text and "172.16.0.0/12" in text and "unknown" not in text, text
    r.shot("drift")
    r.q("#drift-reapply").click()
    r.wait(lambda: "Loaded your save #3 as a draft" in r.toast_text(), "the re-apply toast")
    assert r.visible("#dirty-indicator")
    assert "172.16.0.0/12" not in r.ip_texts() and "192.168.1.10/24" in r.ip_texts()
    assert r.qq('#user-chips .chip[data-id^="a000000a"]'), "Lena is back in the draft"
    assert not r.q("#drift-reapply").is_enabled() and "is the draft now" in r.q("#drift-hint").text
    # Accept theirs: the banner goes, the draft stays as it is.
    r.q("#drift-accept").click()
    r.wait(lambda: not r.visible("#drift-banner"), "the banner to go")
    assert "history entry #4" in r.toast_text(), r.toast_text()
    assert r.visible("#dirty-indicator")
    r.q("#revert").click()
    r.q("#reload-policy").click()
    r.wait(lambda: not r.q("#reload-policy").get_attribute("aria-busy") == "true", "the reload")
    assert not r.visible("#drift-banner"), "accepted drift does not come back"


def drift_reapply_save(r):
    r.ready("state=drift")
    r.wait(lambda: r.visible("#drift-reapply"), "the drift banner")
    r.q("#drift-reapply").click()
    # Our last save had the broken CIDR; fix it, then review and save as usual.
    r.wait(lambda: r.qq(".ip-row .ip-use-canonical"), "the canonical offer")
    [b for b in r.qq(".ip-row .ip-use-canonical") if "192.168.1.0/24" in b.text][0].click()
    r.wait(lambda: r.q("#review").is_enabled(), "the Review button")
    r.q("#review").click()
    r.wait(lambda: r.q("#confirm-save").is_enabled(), "Confirm")
    text = r.q("#review-diff").text
    assert "Lena Petrov" in text and "172.16.0.0/12" in text, text
    r.q("#confirm-save").click()
    r.wait(lambda: "Saved and verified" in r.toast_text(), "the success toast")
    assert "history entry #4" in r.toast_text(), r.toast_text()
    assert not r.visible("#drift-banner")


def save_note(r):
    r.ready()
    r.q("input[name=method][value=none]").click()
    r.wait(lambda: r.q("#review").is_enabled(), "the Review button")
    r.q("#review").click()
    r.wait(lambda: r.q("#confirm-save").is_enabled(), "Confirm")
    note = r.q("#save-note")
    assert note.get_attribute("aria-label") or r.qq('label[for="save-note"]')
    note.send_keys("Pause TFA during the migration", Keys.ENTER)
    assert r.dialog_open("#review-dialog"), "Enter in the note must not save or close"
    r.q("#confirm-save").click()
    r.wait(lambda: "Saved and verified" in r.toast_text(), "the success toast")
    assert "Recorded as history entry #1." in r.toast_text(), r.toast_text()
    r.q("#open-history").click()
    r.wait(lambda: r.qq("#history-list .history-entry"), "the history entry")
    entry = r.q("#history-entry-1").text
    assert "Pause TFA during the migration" in entry and "Authenticator app → Disabled" in entry, entry
    # The note is gone for the next save.
    r.q("#history-close").click()
    r.q("input[name=method][value=app]").click()
    r.q("#review").click()
    r.wait(lambda: r.visible("#review-content"), "the review")
    assert r.q("#save-note").get_attribute("value") == ""


def save_history_error(r):
    r.ready("state=policy&historyfail=1")
    r.q("input[name=method][value=none]").click()
    r.wait(lambda: r.q("#review").is_enabled(), "the Review button")
    r.q("#review").click()
    r.wait(lambda: r.q("#confirm-save").is_enabled(), "Confirm")
    r.q("#confirm-save").click()
    r.wait(lambda: "Saved and verified" in r.toast_text(), "the toast")
    assert r.q("#toast").get_attribute("data-tone") == "warn"
    assert "not in this app's history" in r.toast_text() and "Permission denied" in r.toast_text()
    assert not r.visible("#dirty-indicator"), "the save itself succeeded"


def history_view(r):
    r.ready()
    r.q("#open-history").click()
    r.wait(lambda: r.visible("#history-empty"), "the empty history")
    assert r.q("#history-empty").text == "This app has not saved a policy to this portal yet."
    r.d.switch_to.active_element.send_keys(Keys.ESCAPE)
    r.wait(lambda: not r.dialog_open("#history-dialog"), "Escape closing the history")
    assert r.active_matches("#open-history"), "focus returns to the History button"

    r.ready("state=policy&history=1")
    r.q("#open-history").click()
    r.wait(lambda: len(r.qq("#history-list .history-entry")) == 3, "three entries")
    ids = [e.get_attribute("id") for e in r.qq("#history-list .history-entry")]
    assert ids == ["history-entry-3", "history-entry-2", "history-entry-1"], ids
    first = r.q("#history-entry-3").text
    assert "On the portal now" in first and "Alex Kim left the security team" in first and "Alex Smith" in first, first
    assert "Alex Kim" in first, "the diff names the removed user"
    second = r.q("#history-entry-2").text
    assert "Maria Ivanova" in second and "Lena Petrov" in second and "2001:db8::/48" in second, second
    for _ in range(10):
        r.d.switch_to.active_element.send_keys(Keys.TAB)
        assert r.d.execute_script("return document.getElementById('history-dialog').contains(document.activeElement)")
    r.shot("history")
    # Undo save #3: the policy before it becomes the draft.
    r.q("#history-restore-before-3").click()
    r.wait(lambda: not r.dialog_open("#history-dialog"), "the dialog to close")
    assert "Loaded the policy before #3 as a draft — review and save to apply" in r.toast_text(), r.toast_text()
    assert r.visible("#dirty-indicator")
    assert r.qq('#user-chips .chip[data-id^="a0000015"]'), "Alex Kim is back"
    # Restoring with unsaved edits asks first; "Restore this version" of #1.
    r.q("#open-history").click()
    r.wait(lambda: r.visible("#history-restore-after-1"), "the entries")
    r.q("#history-restore-after-1").click()
    r.wait(lambda: r.visible("#confirm-dialog"), "the replace question")
    r.q("#confirm-ok").click()
    r.wait(lambda: "Loaded #1 as a draft — review and save to apply" in r.toast_text(), "the restore toast")
    assert sorted(r.ip_texts()) == ["10.0.0.0/8", "192.168.1.10"], r.ip_texts()
    # It goes through the usual review.
    r.wait(lambda: r.q("#review").is_enabled(), "the Review button")
    r.q("#review").click()
    r.wait(lambda: r.visible("#review-content"), "the review")
    assert "Security" in r.q("#review-diff").text


def what_if(r):
    r.ready()
    r.q("#open-what-if").click()
    r.wait(lambda: r.dialog_open("#what-if-dialog"), "the what-if dialog")
    assert r.active_matches("#wi-user-search")
    r.q("#what-if-ip").send_keys("203.0.113.7", Keys.ENTER)
    r.wait(lambda: r.visible("#what-if-who-error"), "the missing-person error")
    # Pick a person with the keyboard (single selection).
    search = r.q("#wi-user-search")
    search.send_keys("nadia")
    r.wait(lambda: r.qq("#wi-user-results [role=option]"), "people results")
    search.send_keys(Keys.ESCAPE)
    assert r.dialog_open("#what-if-dialog"), "Escape in the picker closes only the popup"
    search.send_keys(Keys.ARROW_DOWN)
    r.wait(lambda: search.get_attribute("aria-expanded") == "true", "the reopened popup")
    search.send_keys(Keys.ENTER)
    r.wait(lambda: len(r.qq("#wi-user-chips .chip")) == 1, "the person chip")
    assert "Nadia Garcia" in r.q("#wi-user-chips").text
    assert not r.visible("#what-if-who-error")
    # A second pick replaces the first.
    search.send_keys("olga")
    r.wait(lambda: r.visible("#wi-user-popup") and "Olga" in r.q("#wi-user-results").text, "Olga in the results")
    search.send_keys(Keys.ENTER)
    r.wait(lambda: "Olga" in r.q("#wi-user-chips").text, "the new person")
    assert len(r.qq("#wi-user-chips .chip")) == 1
    r.q("#wi-user-chips .chip-remove").click()
    r.wait(lambda: not r.qq("#wi-user-chips .chip") and r.active_matches("#wi-user-search"), "no person, focus in the search")
    search.send_keys("nadia")
    r.wait(lambda: r.visible("#wi-user-popup") and "Nadia" in r.q("#wi-user-results").text, "Nadia in the results")
    search.send_keys(Keys.ENTER)
    # A bad address: the backend's validation error goes under the IP field.
    ip = r.q("#what-if-ip")
    ip.clear()
    ip.send_keys("10.0.0.300", Keys.ENTER)
    r.wait(lambda: r.visible("#what-if-ip-error"), "the IP error")
    assert "not an IP address" in r.q("#what-if-ip-error").text
    assert ip.get_attribute("aria-invalid") == "true" and r.active_matches("#what-if-ip")
    ip.clear()
    ip.send_keys("203.0.113.7", Keys.ENTER)
    r.wait(lambda: r.visible("#what-if-results") and r.q("#what-if-results").get_attribute("aria-busy") == "false", "the result")
    assert not r.visible("#what-if-ip-error")
    live = r.q("#what-if-live").text
    assert "Sign-in fails" in live and "192.168.1.10/24" in live, live
    assert "Same as live" in r.q("#what-if-draft").text
    assert "Nadia Garcia (User) signing in from 203.0.113.7" in r.q("#what-if-subject").text
    r.q("#what-if-close").click()
    assert r.active_matches("#open-what-if")
    # With a draft that fixes the CIDR and trusts the address, the draft answer differs.
    r.wait(lambda: r.qq(".ip-row .ip-use-canonical"), "the canonical offer")
    [b for b in r.qq(".ip-row .ip-use-canonical") if "192.168.1.0/24" in b.text][0].click()
    r.q("#ip-input").send_keys("203.0.113.0/24", Keys.ENTER)
    r.q("#open-what-if").click()
    r.wait(lambda: "unsaved changes" in r.q("#what-if-draft-note").text, "the draft note")
    assert "is-stale" in r.q("#what-if-results").get_attribute("class")
    r.q("#what-if-ip").send_keys(Keys.ENTER)
    r.wait(lambda: "is-stale" not in r.q("#what-if-results").get_attribute("class"), "the fresh result")
    draft = r.q("#what-if-draft")
    assert "Not required" in draft.text and "203.0.113.0/24" in draft.text, draft.text
    assert "is-changed" in draft.get_attribute("class")
    r.shot("whatif")
    # Members of groups.
    r.q("label.seg:has(#what-if-who-groups)").click()
    r.wait(lambda: r.visible("#wi-group-search"), "the group picker")
    gs = r.q("#wi-group-search")
    gs.send_keys("secur")
    r.wait(lambda: r.qq("#wi-group-results [role=option]"), "group results")
    gs.send_keys(Keys.ENTER, Keys.ESCAPE)
    r.wait(lambda: "Security" in r.q("#wi-group-chips").text, "the group chip")
    r.q("#what-if-run").click()
    r.wait(lambda: "is-stale" not in r.q("#what-if-results").get_attribute("class"), "the group result")
    assert "Required" in r.q("#what-if-live").text and "mandatory group Security" in r.q("#what-if-live").text
    assert "A member of" in r.q("#what-if-subject").text
    r.d.switch_to.active_element.send_keys(Keys.ESCAPE)
    r.wait(lambda: not r.dialog_open("#what-if-dialog"), "Escape closing the dialog")


def more_menu_keyboard(r):
    r.ready()
    btn = r.q("#more-actions")
    assert btn.get_attribute("aria-haspopup") == "menu"
    r.d.execute_script("arguments[0].focus()", btn)
    btn.send_keys(Keys.ARROW_DOWN)
    r.wait(lambda: r.visible("#more-menu"), "the open menu")
    assert btn.get_attribute("aria-expanded") == "true"
    assert r.active_matches("#export-policy")
    r.d.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
    assert r.active_matches("#import-policy")
    r.d.switch_to.active_element.send_keys(Keys.END)
    assert r.active_matches("#copy-from-profile")
    r.d.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
    assert r.active_matches("#export-policy"), "arrows wrap around"
    r.d.switch_to.active_element.send_keys("i")
    assert r.active_matches("#import-policy"), "first-letter navigation"
    r.d.switch_to.active_element.send_keys(Keys.ESCAPE)
    assert not r.visible("#more-menu") and r.active_matches("#more-actions")
    assert btn.get_attribute("aria-expanded") == "false"
    btn.send_keys(Keys.ARROW_UP)
    assert r.active_matches("#copy-from-profile"), "ArrowUp opens on the last item"
    r.d.switch_to.active_element.send_keys(Keys.TAB)
    r.wait(lambda: not r.visible("#more-menu"), "Tab closing the menu")
    # Export of the live policy, by keyboard.
    r.d.execute_script("arguments[0].focus()", btn)
    btn.send_keys(Keys.ENTER)
    r.wait(lambda: r.active_matches("#export-policy"), "the first item")
    r.d.switch_to.active_element.send_keys(Keys.ENTER)
    r.wait(lambda: "Exported the live policy to /home/admin/Documents/acme-tfa-policy.json" in r.toast_text(), "the export toast")


def export_import(r):
    r.ready()
    r.q("#ip-input").send_keys("203.0.113.9", Keys.ENTER)
    r.wait(lambda: r.visible("#dirty-indicator"), "a dirty draft")
    r.menu_pick("#export-policy")
    r.wait(lambda: "Exported your draft" in r.toast_text(), "the draft export toast")
    assert "acme-tfa-draft.json" in r.toast_text()
    # Import with unsaved edits: asked first; keeping them changes nothing.
    r.menu_pick("#import-policy")
    r.wait(lambda: r.visible("#confirm-dialog"), "the replace question")
    r.q("#confirm-cancel").click()
    r.wait(lambda: "your unsaved changes are kept" in r.toast_text(), "the kept toast")
    assert "203.0.113.9" in r.ip_texts() and not r.visible("#import-notice")
    r.menu_pick("#import-policy")
    r.wait(lambda: r.visible("#confirm-dialog"), "the replace question")
    r.q("#confirm-ok").click()
    r.wait(lambda: r.visible("#import-notice"), "the import notice")
    notice = r.q("#import-notice").text
    for want in ("Dana Scully", "Night shift", "Old Admin", "0badc0de", "tfa-policy-2025.json"):
        assert want in notice, (want, notice)
    assert "tfa-policy-2025.json is loaded as a draft — review and save to apply" in r.toast_text(), r.toast_text()
    assert "198.51.100.0/24" in r.ip_texts() and "203.0.113.9" not in r.ip_texts()
    assert r.qq('#group-chips .chip[data-id="c5cc67d1-c3e8-43c0-a3ad-3928ae3e5b5e"]'), "Everyone imported"
    r.shot("import")
    r.q("#import-notice-dismiss").click()
    r.wait(lambda: not r.visible("#import-notice"), "the dismissed notice")
    assert r.visible("#dirty-indicator"), "the imported draft stays"
    # A file that resolves fully: no notice; a cancelled dialog: nothing at all.
    r.ready("state=policy&import=clean&export=cancel")
    r.menu_pick("#import-policy")
    r.wait(lambda: "is loaded as a draft" in r.toast_text(), "the import toast")
    assert not r.visible("#import-notice")
    r.q("#toast-close").click()
    r.menu_pick("#export-policy")
    r.wait(lambda: r.q("#more-actions").get_attribute("aria-busy") == "false", "the export to finish")
    assert r.toast_text() == ""
    r.ready("state=policy&import=cancel")
    r.menu_pick("#import-policy")
    r.wait(lambda: r.q("#more-actions").get_attribute("aria-busy") == "false", "the import to finish")
    assert not r.visible("#dirty-indicator") and r.toast_text() == ""


def profiles(r):
    r.ready()
    r.wait(lambda: r.visible("#profile-switcher"), "the portal switcher")
    sel = Select(r.q("#profile-switcher"))
    assert [o.get_attribute("value") for o in sel.options] == ["acme", "acme-eu", "lab"]
    assert sel.first_selected_option.get_attribute("value") == "acme" and "(current)" in sel.first_selected_option.text
    r.q("#ip-input").send_keys("203.0.113.9", Keys.ENTER)
    sel.select_by_value("acme-eu")
    r.wait(lambda: r.visible("#confirm-dialog"), "the unsaved-changes question")
    r.q("#confirm-cancel").click()
    r.wait(lambda: Select(r.q("#profile-switcher")).first_selected_option.get_attribute("value") == "acme", "the select reverted")
    assert "203.0.113.9" in r.ip_texts()
    Select(r.q("#profile-switcher")).select_by_value("acme-eu")
    r.wait(lambda: r.visible("#confirm-ok"), "the question")
    r.q("#confirm-ok").click()
    r.wait(lambda: r.q("#session-portal").text == "acme-eu.onlyoffice.eu", "the other portal")
    r.wait(lambda: "10.20.0.0/16" in r.ip_texts(), "the other portal's policy")
    assert not r.visible("#dirty-indicator")
    r.wait(lambda: Select(r.q("#profile-switcher")).first_selected_option.get_attribute("value") == "acme-eu", "the new current profile")
    # Copy from another saved portal: the two others are offered.
    r.menu_pick("#copy-from-profile")
    r.wait(lambda: r.dialog_open("#copy-dialog"), "the copy dialog")
    names = [e.get_attribute("value") for e in r.qq('#copy-profiles input[name="copy-profile"]')]
    assert names == ["acme", "lab"], names
    r.shot("copy")
    r.q("#copy-run").click()
    r.wait(lambda: r.visible("#import-notice"), "the copy notice")
    assert "Draft copied from acme.onlyoffice.com" in r.q("#import-notice-title").text
    assert "10.0.0.0/8" in r.ip_texts() and r.visible("#dirty-indicator")
    # Back, after discarding the copy.
    Select(r.q("#profile-switcher")).select_by_value("acme")
    r.wait(lambda: r.visible("#confirm-ok"), "the question")
    r.q("#confirm-ok").click()
    r.wait(lambda: r.q("#session-portal").text == "acme.onlyoffice.com", "acme again")
    r.wait(lambda: not r.visible("#import-notice"), "the notice gone with the draft")


def profiles_few_and_failing(r):
    r.ready("state=policy&profiles=1")
    r.wait(lambda: r.q("#session-portal").text, "the header")
    time.sleep(0.6)  # list_profiles has answered
    assert not r.visible("#profile-switcher") and not r.qq("#copy-from-item:not([hidden])")
    r.ready("state=policy&switchfail=lab")
    r.wait(lambda: r.visible("#profile-switcher"), "the switcher")
    Select(r.q("#profile-switcher")).select_by_value("lab")
    r.wait(lambda: r.visible("#confirm-dialog"), "the failure question")
    assert "No API key" in r.q("#confirm-message").text
    r.q("#confirm-cancel").click()
    assert r.q("#session-portal").text == "acme.onlyoffice.com"
    assert Select(r.q("#profile-switcher")).first_selected_option.get_attribute("value") == "acme"
    Select(r.q("#profile-switcher")).select_by_value("lab")
    r.wait(lambda: r.visible("#confirm-ok"), "the failure question")
    r.q("#confirm-ok").click()
    r.wait(lambda: r.visible("#connect-form"), "the connect form")
    assert r.q("#portal").get_attribute("value") == "https://docspace.lab.example.org"


FLOWS = [connect_flow, portal_validation, keychain_flow, sandbox_flow, autoconnect_flow, load_states, ip_editor,
         pickers, disabled_method, review_and_save, conflict_overwrite, conflict_reload_keep, save_failure, disconnect_guard,
         drift_banner, drift_reapply_save, save_note, save_history_error, history_view, what_if, more_menu_keyboard,
         export_import, profiles, profiles_few_and_failing]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shots", help="directory for screenshots")
    ap.add_argument("--dark", action="store_true")
    ap.add_argument("--size", default="800,600")
    ap.add_argument("only", nargs="*")
    a = ap.parse_args()
    httpd = serve()
    d = driver(a.dark, a.size)
    try:
        r = Run(d, f"http://127.0.0.1:{httpd.server_port}", a.shots)
        for f in FLOWS:
            if not a.only or f.__name__ in a.only:
                check(r, f.__name__, f)
    finally:
        with contextlib.suppress(Exception):
            d.quit()
        httpd.shutdown()
    print(f"{len(r.failures)} failed" if r.failures else "all passed")
    sys.exit(1 if r.failures else 0)


if __name__ == "__main__":
    main()
