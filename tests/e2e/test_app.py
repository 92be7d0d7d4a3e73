"""The desktop app end to end: the real binary, its webview and its Rust commands, driven through
WebDriver, against a sandbox portal in a separate process. What the portal holds afterwards is
checked on the portal itself, over HTTP."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ADMIN_KEY, APP, APP_DIRS, Portal, save_screenshot

TIMEOUT = 20


# ---- helpers -----------------------------------------------------------------------------------

def wait(d, cond, timeout=TIMEOUT, msg=""):
    def safe(_):
        try:
            return cond()
        except StaleElementReferenceException:
            return False
    return WebDriverWait(d, timeout, poll_frequency=0.1).until(safe, msg)


def el(d, css):
    return d.find_element(By.CSS_SELECTOR, css)


def els(d, css):
    return d.find_elements(By.CSS_SELECTOR, css)


def shown(d, css):
    found = els(d, css)
    return bool(found) and found[0].is_displayed()


def connect_form(d):
    wait(d, lambda: shown(d, "#connect-screen") and shown(d, "#portal"), msg="connect screen")


def connect(d, portal: Portal, key=ADMIN_KEY, remember=True):
    connect_form(d)
    p = el(d, "#portal")
    p.clear()
    p.send_keys(portal.url)
    k = el(d, "#api-key")
    k.clear()
    k.send_keys(key)
    box = el(d, "#remember")
    if box.is_selected() != remember:
        box.click()
    el(d, "#connect").click()


def policy_ready(d):
    """The policy screen is up and the form shows the loaded policy."""
    wait(d, lambda: shown(d, "#policy-screen") and shown(d, "#policy-form"), msg="policy screen with the loaded policy")


def choose_method(d, method):
    radio = el(d, f"input[name=method][value={method}]")
    # The radio is styled inside its card; clicking the card is what a person does.
    radio.find_element(By.XPATH, "ancestor::label[1]").click()
    wait(d, lambda: el(d, f"input[name=method][value={method}]").is_selected(), msg=f"method {method} selected")


def ip_rows(d):
    return els(d, "#ip-list .ip-row")


def row_text(row):
    return row.find_element(By.CSS_SELECTOR, ".ip-text").get_attribute("value")


def add_ip(d, text):
    box = el(d, "#ip-input")
    box.clear()
    box.send_keys(text)
    el(d, "#ip-add").click()
    wait(d, lambda: any(row_text(r) == text for r in ip_rows(d)), msg=f"row for {text}")


def row_for(d, text):
    return next(r for r in ip_rows(d) if row_text(r) == text)


def review_enabled(d):
    return el(d, "#review").is_enabled()


def pick_person(d, query, person_id, picker="user"):
    """Searches in a people picker (`user`: mandatory users; `wi-user`: what-if) and picks one."""
    box = el(d, f"#{picker}-search")
    box.clear()
    box.send_keys(query)
    option = f'#{picker}-results [role=option][data-id="{person_id}"]'
    wait(d, lambda: shown(d, option), msg=f"search result {person_id} for {query!r}")
    el(d, option).click()
    wait(d, lambda: els(d, f'#{picker}-chips .chip[data-id="{person_id}"]'), msg="chip of the picked person")


def connected_with_app_draft(d, portal, ip, remember):
    """Connected as the admin, with a draft: the authenticator app and one trusted IP."""
    connect(d, portal, remember=remember)
    policy_ready(d)
    choose_method(d, "app")
    add_ip(d, ip)


def dialog_open(d, css):
    return el(d, css).get_attribute("open") is not None


def open_review(d):
    """Review and save…, until the review itself is shown."""
    wait(d, lambda: review_enabled(d), msg="Review enabled")
    el(d, "#review").click()
    wait(d, lambda: dialog_open(d, "#review-dialog"), msg="review dialog open")
    wait(d, lambda: shown(d, "#review-content"), msg="review loaded")


def review_and_save(d, note=None):
    open_review(d)
    wait(d, lambda: el(d, "#confirm-save").is_enabled(), msg="Confirm enabled")
    if note:
        el(d, "#save-note").send_keys(note)
    el(d, "#confirm-save").click()


def close_review(d):
    el(d, "#review-cancel").click()
    wait(d, lambda: not dialog_open(d, "#review-dialog"), msg="review dialog closed")


def screenshot(d, path):
    """The webview's own screenshot, and the whole X screen as a person would see it."""
    time.sleep(0.5)  # let WebKit finish painting after the last change
    save_screenshot(d, path)
    if shutil.which("import") and os.environ.get("DISPLAY"):
        subprocess.run(["import", "-window", "root", str(path.with_name(path.stem + "-screen.png"))], check=False, timeout=20)


def toast_text(d):
    return el(d, "#toast-text").text


def settings_by_id(portal: Portal) -> dict:
    return {s["id"]: s for s in portal.tfaapp()}


# ---- tests -------------------------------------------------------------------------------------

def test_connect_with_address_and_key(app, clean_portal, keychain, artifacts):
    d = app
    connect(d, clean_portal, remember=keychain)
    policy_ready(d)
    wait(d, lambda: el(d, "#session-portal").text.strip(), msg="header filled in")
    assert el(d, "#session-portal").text.strip() in (clean_portal.url, clean_portal.url.split("//")[1])
    assert "Adam Admin" in el(d, "#session-user").text
    assert el(d, "#session-role").text.lower().startswith("admin")
    assert el(d, "#sandbox-badge").is_displayed() is False
    assert el(d, "input[name=method][value=none]").is_selected()
    assert el(d, "#api-key").get_attribute("value") == "", "the key field is cleared after connecting"
    expected = "Key in keychain" if keychain else "Key for this session only"
    assert el(d, "#session-key").text == expected
    screenshot(d, artifacts / "connected.png")


def test_wrong_key_is_shown_on_the_key_field(app, clean_portal):
    d = app
    connect(d, clean_portal, key="sk-wrong-key", remember=False)
    wait(d, lambda: shown(d, "#api-key-error"), msg="key error")
    assert "API key" in el(d, "#api-key-error").text
    assert not shown(d, "#policy-screen")


def test_try_the_sandbox(app, artifacts):
    d = app
    connect_form(d)
    el(d, "#try-sandbox").click()
    policy_ready(d)
    wait(d, lambda: el(d, "#sandbox-badge").is_displayed(), msg="sandbox badge")
    assert "Olivia Owner" in el(d, "#session-user").text
    assert el(d, "input[name=method][value=none]").is_selected()
    screenshot(d, artifacts / "sandbox-policy.png")
    # The in-process sandbox answers searches like a portal.
    choose_method(d, "app")
    el(d, "#user-search").send_keys("Adam")
    wait(d, lambda: any("Adam Admin" in o.text for o in els(d, "#user-results [role=option]")), msg="search result")
    screenshot(d, artifacts / "sandbox-search.png")


def test_edit_review_and_save_lands_on_the_portal(app, clean_portal, keychain, artifacts):
    d = app
    portal = clean_portal
    # Someone to make mandatory: an ordinary seeded user with a unique last name.
    people = portal.people()
    by_last = {}
    for p in people:
        by_last.setdefault(p["displayName"].split()[-1], []).append(p)
    person = next(ps[0] for last, ps in sorted(by_last.items())
                  if len(ps) == 1 and not ps[0]["isOwner"] and not ps[0]["isAdmin"] and last.isalpha() and len(last) >= 5)
    query = person["displayName"].split()[-1][:4]

    connect(d, portal, remember=keychain)
    policy_ready(d)
    assert not review_enabled(d), "nothing to review before a change"

    choose_method(d, "app")
    add_ip(d, "10.20.0.0/16")
    wait(d, lambda: not els(d, ".ip-row .ip-error") and review_enabled(d), msg="good IP accepted")

    # A bad entry: host bits set. Its error shows inline and blocks the save.
    add_ip(d, "192.168.1.10/24")
    bad = row_for(d, "192.168.1.10/24")
    wait(d, lambda: row_for(d, "192.168.1.10/24").find_elements(By.CSS_SELECTOR, ".ip-error"), msg="inline IP error")
    assert "host bits" in row_for(d, "192.168.1.10/24").find_element(By.CSS_SELECTOR, ".ip-error").text
    assert bad.get_attribute("data-index") == "1"
    wait(d, lambda: not review_enabled(d), msg="Review disabled while an IP is bad")
    screenshot(d, artifacts / "bad-ip.png")
    row_for(d, "192.168.1.10/24").find_element(By.CSS_SELECTOR, ".ip-remove").click()
    wait(d, lambda: [row_text(r) for r in ip_rows(d)] == ["10.20.0.0/16"], msg="bad row removed")
    wait(d, lambda: review_enabled(d), msg="Review enabled again")

    pick_person(d, query, person["id"])

    review_and_save(d)
    wait(d, lambda: "Saved and verified" in toast_text(d), msg="saved toast")
    wait(d, lambda: not dialog_open(d, "#review-dialog"), msg="dialog closed")
    screenshot(d, artifacts / "saved.png")

    # On the portal itself: exactly that policy.
    s = settings_by_id(portal)
    assert s["app"]["enabled"] is True
    assert s["app"]["trustedIps"] == ["10.20.0.0/16"]
    assert s["app"]["mandatoryUsers"] == [person["id"]]
    assert (s["app"].get("mandatoryGroups") or []) == []
    assert s["sms"]["enabled"] is False
    state = portal.state()
    assert state["app"]["enable"] is True and state["sms"]["enable"] is False
    assert state["app"]["trustedIps"] == ["10.20.0.0/16"]
    assert state["app"]["mandatoryUsers"] == [person["id"]]


def test_conflict_then_overwrite(app, clean_portal, keychain):
    d = app
    portal = clean_portal
    connected_with_app_draft(d, portal, "10.30.0.1", remember=keychain)
    open_review(d)
    wait(d, lambda: el(d, "#confirm-save").is_enabled(), msg="Confirm enabled")
    # Someone else saves after the review was read (a change before it is merged in the review).
    portal.set_app(["203.0.113.9"])
    el(d, "#confirm-save").click()
    wait(d, lambda: shown(d, "#conflict-panel"), msg="conflict panel")
    assert "203.0.113.9" in el(d, "#conflict-diff").text
    assert portal.state()["app"]["trustedIps"] == ["203.0.113.9"], "nothing was saved"
    el(d, "#conflict-overwrite").click()
    wait(d, lambda: shown(d, "#conflict-overwrite-confirm"))
    el(d, "#conflict-overwrite-confirm").click()
    wait(d, lambda: "Saved and verified" in toast_text(d), msg="saved toast")
    assert portal.state()["app"]["trustedIps"] == ["10.30.0.1"]


def test_history_note_and_drift(profile, clean_portal, keychain, artifacts):
    d = profile.launch()
    portal = clean_portal
    connected_with_app_draft(d, portal, "10.40.0.1", remember=keychain)
    review_and_save(d, note="e2e rollout")
    wait(d, lambda: "Recorded as history entry #1" in toast_text(d), msg="history toast")

    # Someone adds an address on the portal; a reload shows the drift banner by name.
    portal.set_app(["10.40.0.1", "198.51.100.20"])
    el(d, "#reload-policy").click()
    wait(d, lambda: shown(d, "#drift-banner"), msg="drift banner")
    wait(d, lambda: "198.51.100.20" in el(d, "#drift-diff").text, msg="their change in the banner")
    screenshot(d, artifacts / "drift.png")
    el(d, "#drift-accept").click()
    wait(d, lambda: not shown(d, "#drift-banner"), msg="banner gone after accepting")

    # The history is a plain file in the app's data folder: both entries, the note, no key.
    files = list(profile.home.rglob("history/*.json"))
    assert len(files) == 1, files
    entries = json.loads(files[0].read_text())["entries"]
    assert [e["number"] for e in entries] == [1, 2]
    assert entries[0]["note"] == "e2e rollout"
    assert entries[1]["after"]["trustedIps"] == ["10.40.0.1", "198.51.100.20"]


def test_review_shows_guard_warnings_and_an_error_blocks_the_save(app, fresh_portal, artifacts):
    d = app
    portal = fresh_portal
    owner_id = portal.state()["ownerId"]
    connect(d, portal, remember=False)
    policy_ready(d)

    # TFA is off and the admin has no authenticator app yet: switching it on warns of the
    # self-lockout and says every session is signed out, but may still be saved.
    choose_method(d, "app")
    open_review(d)
    warnings = [p.text for p in els(d, "#review-problems .problem-warning")]
    assert any("You will be signed out" in w and "must set up two-factor authentication" in w for w in warnings), warnings
    assert not els(d, "#review-problems .problem-error")
    # Naming the address the admin signs in from applies the server's rule to them. The sign-in
    # impact section fills in below meanwhile: wait for it, so the layout holds still for the click.
    wait(d, lambda: "Reading the portal" not in el(d, "#review-impact").text, msg="impact read")
    my_ip = el(d, "#review-my-ip")
    my_ip.clear()
    my_ip.send_keys("203.0.113.9")
    el(d, "#review-my-ip-check").click()
    wait(d, lambda: any("From 203.0.113.9 you would need a second factor" in p.text for p in els(d, "#review-problems .problem-warning")),
         msg="the named address is checked with the server's rule")
    assert "Every session on the portal is signed out" in el(d, "#review-effects").text
    wait(d, lambda: el(d, "#confirm-save").is_enabled(), msg="a warning does not block the save")
    screenshot(d, artifacts / "review-warning.png")
    close_review(d)

    # An admin making TFA mandatory for the owner: an error, and Confirm stays disabled.
    pick_person(d, "Olivia", owner_id)
    open_review(d)
    errors = [p.text for p in els(d, "#review-problems .problem-error")]
    assert any("Only the portal owner can make TFA mandatory for the owner" in e for e in errors), errors
    assert "blocks the save" in el(d, "#review-problems-title").text
    assert not el(d, "#confirm-save").is_enabled()
    screenshot(d, artifacts / "review-error.png")
    close_review(d)

    # Nothing reached the portal: no audit event, no sign-out, no write request at all.
    state = portal.state()
    assert state["audit"] == [] and state["signOutCount"] == 0, state
    assert state["app"]["enable"] is False
    assert not [r for r in portal.requests() if r.startswith("PUT ")], portal.requests()


def test_history_restores_the_policy_before_a_save(app, clean_portal, keychain, artifacts):
    d = app
    portal = clean_portal
    connected_with_app_draft(d, portal, "10.50.0.1", remember=keychain)
    review_and_save(d)
    wait(d, lambda: "Recorded as history entry #1" in toast_text(d), msg="first save recorded")
    wait(d, lambda: not dialog_open(d, "#review-dialog"), msg="review closed")
    add_ip(d, "10.60.0.0/16")
    review_and_save(d, note="branch office")
    wait(d, lambda: "Recorded as history entry #2" in toast_text(d), msg="second save recorded")
    wait(d, lambda: not dialog_open(d, "#review-dialog"), msg="review closed")

    wait(d, lambda: el(d, "#open-history").is_enabled(), msg="History enabled after the save")
    el(d, "#open-history").click()
    try:
        wait(d, lambda: dialog_open(d, "#history-dialog"), timeout=3, msg="History opens")
    except Exception:
        # Seen once in a full run under load: the click landed while the save's read-back was
        # re-rendering the toolbar, and nothing opened. A person clicks again; so does the test.
        el(d, "#open-history").click()
        wait(d, lambda: dialog_open(d, "#history-dialog"), msg="History opens on the second click")
    wait(d, lambda: shown(d, "#history-entry-2") and shown(d, "#history-entry-1"), msg="both saves listed")
    listed = [e.get_attribute("id") for e in els(d, "#history-list .history-entry")]
    assert listed == ["history-entry-2", "history-entry-1"], "newest first"
    assert "branch office" in el(d, "#history-entry-2 .history-note").text
    assert not els(d, "#history-entry-1 .history-note")
    assert "10.60.0.0/16" in el(d, "#history-entry-2").text
    screenshot(d, artifacts / "history.png")

    # Undo the second save: the policy from before it becomes the draft.
    el(d, "#history-restore-before-2").click()
    wait(d, lambda: not dialog_open(d, "#history-dialog"), msg="history closed")
    wait(d, lambda: [row_text(r) for r in ip_rows(d)] == ["10.50.0.1"], msg="the draft holds the first save's policy")
    assert el(d, "input[name=method][value=app]").is_selected()
    assert "before #2" in toast_text(d)
    assert portal.state()["app"]["trustedIps"] == ["10.50.0.1", "10.60.0.0/16"], "only a draft until saved"
    review_and_save(d)
    wait(d, lambda: "Recorded as history entry #3" in toast_text(d), msg="restore saved")

    s = settings_by_id(portal)
    assert s["app"]["enabled"] is True
    assert s["app"]["trustedIps"] == ["10.50.0.1"]
    assert (s["app"].get("mandatoryUsers") or []) == []


def test_a_reader_sees_the_policy_with_a_notice_and_no_save(app, clean_portal, artifacts):
    d = app
    clean_portal.set_app(["10.80.0.0/16"])
    puts = clean_portal.requests().get("PUT /api/2.0/settings/tfaapp", 0)
    connect(d, clean_portal, key="sk-sandbox-user", remember=False)
    policy_ready(d)
    wait(d, lambda: shown(d, "#read-only-notice"), msg="read-only notice")
    assert "only the portal owner and DocSpace admins can change it" in el(d, "#read-only-notice").text
    assert el(d, "#session-role").text == "Read only"
    assert el(d, "input[name=method][value=app]").is_selected()
    assert not shown(d, "#review") and not shown(d, "#savebar"), "a reader is offered no save"
    # No control that looks as if it could change the policy.
    disabled = "return [...arguments].every((css) => document.querySelector(css).matches(':disabled'))"
    assert d.execute_script(disabled, "input[name=method][value=none]", "#ip-input", "#ip-add")
    # The controls that add or remove are not shown at all: a disabled search box still looks
    # like one to type in.
    for css in ("#ip-input", "#ip-add", "#ip-import", "#ip-suggest", "#user-search", "#group-search"):
        assert not shown(d, css), f"{css} is shown to a reader"
    assert not [b for b in els(d, "#ip-list .ip-remove, #user-chips .chip-remove") if b.is_displayed()]
    assert [r.get_attribute("value") for r in els(d, "#ip-list .ip-text")] == ["10.80.0.0/16"], "the reader sees the list"
    screenshot(d, artifacts / "reader.png")
    assert clean_portal.requests().get("PUT /api/2.0/settings/tfaapp", 0) == puts


def test_what_if_inside_and_outside_a_trusted_range(app, clean_portal, artifacts):
    d = app
    portal = clean_portal
    portal.set_app(["10.70.0.0/16"])
    user_id = portal.state()["userId"]
    connect(d, portal, remember=False)
    policy_ready(d)
    el(d, "#open-what-if").click()
    wait(d, lambda: dialog_open(d, "#what-if-dialog"), msg="what-if dialog open")
    pick_person(d, "Uma", user_id, picker="wi-user")

    def check(ip):
        box = el(d, "#what-if-ip")
        box.clear()
        box.send_keys(ip)
        el(d, "#what-if-run").click()
        wait(d, lambda: shown(d, "#what-if-results") and "is-stale" not in el(d, "#what-if-results").get_attribute("class")
             and ip in el(d, "#what-if-subject").text, msg=f"result for {ip}")
        return el(d, "#what-if-live .verdict").text, el(d, "#what-if-draft .verdict").text

    live, draft = check("10.70.3.4")
    assert live == "Not required", live
    assert draft == "Same as live", "no unsaved changes"
    assert "Uma User" in el(d, "#what-if-subject").text
    assert "10.70.0.0/16" in el(d, "#what-if-live .explanation").text
    screenshot(d, artifacts / "what-if.png")
    live, _ = check("198.51.100.7")
    assert live == "Required", live


def test_remembered_portal_reconnects_from_the_keychain(profile, clean_portal, keychain):
    if not keychain:
        pytest.skip("no Secret Service on this session bus (run through scripts/e2e)")
    d = profile.launch()
    connect(d, clean_portal, remember=True)
    policy_ready(d)
    profile.quit(d)

    d = profile.launch()
    policy_ready(d)  # no typing: app_state -> connect_saved with the keychain's key
    assert el(d, "#session-key").text == "Key in keychain"

    # Forget the key: back to the connect form, and the next launch cannot connect by itself.
    el(d, "#forget-key").click()
    wait(d, lambda: shown(d, "#confirm-ok"), msg="confirmation")
    el(d, "#confirm-ok").click()
    connect_form(d)
    profile.quit(d)
    d = profile.launch()
    connect_form(d)
    assert el(d, "#portal").get_attribute("value") == clean_portal.url


def test_second_launch_hands_over_to_the_running_app(profile):
    d = profile.launch()
    connect_form(d)
    started = time.monotonic()
    second = subprocess.run([str(APP)], env=profile.env, capture_output=True, timeout=30)
    assert second.returncode == 0, second
    assert time.monotonic() - started < 15
    # It handed over (src-tauri/src/single_instance.rs) instead of failing to and starting anyway.
    assert b"did not answer" not in second.stderr, second.stderr
    # The first window is still there and working.
    assert shown(d, "#connect-screen")


# Last: after everything above, no file any app instance wrote holds the key.
def test_the_key_is_in_no_file_the_app_wrote():
    assert APP_DIRS, "run with the other tests"
    needles = [ADMIN_KEY.encode(), ADMIN_KEY.encode("utf-16-le"), b"sk-sandbox-owner"]
    scanned, hits, logs = 0, [], []
    for base in APP_DIRS:
        for f in base.rglob("*"):
            if not f.is_file() or f.is_symlink():
                continue
            data = f.read_bytes()
            scanned += 1
            if f.suffix == ".log":
                logs.append(f)
            if any(n in data for n in needles):
                hits.append(str(f))
    assert not hits, f"the API key was written to: {hits}"
    assert scanned > 0
    # The log exists and says what happened, by host and outcome only.
    assert logs, "no log file was written"
    text = "\n".join(p.read_text(errors="replace") for p in logs)
    assert "connected to 127.0.0.1" in text


def test_far_portal_launch_and_save_at_150_ms(profile, fresh_portal, keychain, artifacts):
    """A portal 150 ms away: a remembered launch shows the policy with its names, and a save lands
    and is verified, in the few round trips the request log allows."""
    if not keychain:
        pytest.skip("no Secret Service on this session bus (run through scripts/e2e)")
    portal = fresh_portal
    people = portal.people()[:3]
    portal.set_app(["10.0.0.0/8"], users=[p["id"] for p in people])
    portal.request("PUT", "/sandbox/config", {"latencyMs": 150})
    d = profile.launch()
    connect(d, portal, remember=True)
    policy_ready(d)
    profile.quit(d)

    portal.request("DELETE", "/sandbox/log")
    d = profile.launch()
    policy_ready(d)
    wait(d, lambda: all(els(d, f'#user-chips .chip[data-id="{p["id"]}"]') for p in people), msg="named chips")
    log = portal.request("GET", "/sandbox/log")
    assert log["latencyMs"] == 150
    assert log["waves"] == 2, log  # @self with the policy, then every name at once
    screenshot(d, artifacts / "far-portal-policy.png")

    add_ip(d, "192.168.50.0/24")
    open_review(d)
    # The review's sign-in impact scan runs beside the save's path: let it finish first, so the
    # log holds the save alone.
    wait(d, lambda: "Reading the portal" not in el(d, "#review-impact").text, msg="impact read")
    portal.request("DELETE", "/sandbox/log")
    wait(d, lambda: el(d, "#confirm-save").is_enabled(), msg="Confirm enabled")
    el(d, "#confirm-save").click()
    wait(d, lambda: "Saved and verified" in toast_text(d), msg="saved toast")
    log = portal.request("GET", "/sandbox/log")
    assert log["waves"] == 3, log  # conflict check, PUT, read-back; names from the cache
    assert settings_by_id(portal)["app"]["trustedIps"] == ["10.0.0.0/8", "192.168.50.0/24"]
