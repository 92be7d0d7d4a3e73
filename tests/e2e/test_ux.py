"""Focus, layout, notices, everyday comforts and the accessibility audit, end to end in the real
app (issue 10: points 5, 7, 11, 13, the axe-core audit and the keyboard-only walk)."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from conftest import ADMIN_KEY, Portal, save_screenshot
from test_app import (add_ip, choose_method, connect, connect_form, dialog_open, el, els, ip_rows,
                      open_review, policy_ready, row_text, screenshot, shown, toast_text, wait)

AXE = Path(os.environ.get("E2E_AXE", ""))


def sandbox(d):
    connect_form(d)
    el(d, "#try-sandbox").click()
    policy_ready(d)


def press(d, *keys):
    ActionChains(d).send_keys(*keys).perform()


def chord(d, key):
    ActionChains(d).key_down(Keys.CONTROL).send_keys(key).key_up(Keys.CONTROL).perform()


def active_id(d):
    return d.execute_script("const a = document.activeElement; return a ? (a.id || a.tagName.toLowerCase()) : null")


def layout(d):
    return d.execute_script("""
        const h = document.querySelector('.app-header').getBoundingClientRect();
        return {docHeight: document.documentElement.scrollHeight, bodyHeight: document.body.scrollHeight,
                viewport: window.innerHeight, headerTop: h.top,
                scrolled: document.scrollingElement.scrollTop + document.body.scrollTop};""")


def rect(d, css):
    return d.execute_script("const r = document.querySelector(arguments[0]).getBoundingClientRect();"
                            "return {l: r.left, t: r.top, r: r.right, b: r.bottom, w: r.width, h: r.height};", css)


def overlaps(a, b):
    return a["w"] > 0 and a["h"] > 0 and a["l"] < b["r"] and b["l"] < a["r"] and a["t"] < b["b"] and b["t"] < a["b"]


def tab_walk(d, steps=80):
    """Tab from the top of the page; the id (or tag) of every stop until focus comes back."""
    d.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);")
    seen = []
    for _ in range(steps):
        press(d, Keys.TAB)
        now = active_id(d)
        if seen and now == seen[0]:
            break
        seen.append(now)
    return seen


def show_toast(d):
    """Any edit, then Revert: the app confirms with a toast."""
    choose_method(d, "app")
    el(d, "#revert").click()
    wait(d, lambda: "Changes discarded" in toast_text(d), msg="revert toast")


# ---- point 5: skip link and live region --------------------------------------------------------

def test_skip_link_and_live_regions_never_move_the_window(app):
    d = app
    sandbox(d)
    choose_method(d, "app")
    for ip in ("10.50.0.1", "10.50.0.2", "10.50.0.3"):
        add_ip(d, ip)  # each fills the visually-hidden live region #ip-announce
    before = layout(d)
    assert before["docHeight"] <= before["viewport"], f"the document is taller than the window: {before}"
    d.execute_script("document.activeElement.blur()")
    press(d, Keys.TAB)
    assert "skip-link" in el(d, ":focus").get_attribute("class")
    press(d, Keys.ENTER)
    after = layout(d)
    assert after["headerTop"] == 0 and after["scrolled"] == 0, f"the window moved: {after}"
    assert active_id(d) == "policy-title", "focus lands on the screen's title"
    assert el(d, "#disconnect").is_displayed() and el(d, "#review").is_displayed()


# ---- point 7: focus ----------------------------------------------------------------------------

def test_focus_after_connect_and_no_dead_tab_stop(app):
    d = app
    sandbox(d)
    wait(d, lambda: active_id(d) == "method-none", msg="focus on the method after connecting")
    stops = tab_walk(d)
    assert "toast-close" not in stops, "a hidden toast's × is a Tab stop"
    assert "body" not in stops, f"focus got lost: {stops}"
    show_toast(d)
    d.execute_script("document.getElementById('toast-close').focus()")
    assert active_id(d) == "toast-close", "a visible toast can be dismissed by keyboard"
    press(d, Keys.ENTER)
    wait(d, lambda: not toast_text(d), msg="toast gone")
    assert active_id(d) not in ("body", "toast-close"), "focus does not vanish with the toast"
    assert "toast-close" not in tab_walk(d)


# ---- point 11: profiles and notices -------------------------------------------------------------

def test_toasts_never_cover_the_ip_input_and_the_sandbox_has_no_key_to_forget(app):
    d = app
    sandbox(d)
    assert not el(d, "#forget-key").is_displayed(), "the sandbox's key is never stored"
    show_toast(d)
    choose_method(d, "app")
    for size in ((1100, 760), (800, 600)):
        d.set_window_size(*size)
        el(d, "#ip-input").click()
        # The input at the bottom of the scrolling area, just above the save bar: where a floating
        # toast would sit.
        d.execute_script("document.getElementById('ip-input').scrollIntoView({block: 'end'})")
        assert not overlaps(rect(d, "#toast"), rect(d, "#ip-input")), f"the toast covers the IP input at {size}"


def test_a_notice_of_the_previous_portal_is_gone_after_switching(app, clean_portal, fresh_portal, keychain):
    if not keychain:
        pytest.skip("switching between saved portals needs the keychain")
    d = app
    connect(d, clean_portal)
    policy_ready(d)
    el(d, "#disconnect").click()
    connect(d, fresh_portal)
    policy_ready(d)
    wait(d, lambda: shown(d, "#profile-switch"), msg="switcher with two saved portals")
    names = [o.text for o in els(d, "#profile-switcher option")]
    assert all("127.0.0.1" not in n for n in names), f"readable names: {names}"
    show_toast(d)
    # Rename the current portal.
    el(d, "#profile-rename").click()
    wait(d, lambda: dialog_open(d, "#rename-dialog"), msg="rename dialog")
    box = el(d, "#rename-input")
    box.clear()
    box.send_keys("Staging", Keys.ENTER)
    wait(d, lambda: any(o.text.startswith("Staging") for o in els(d, "#profile-switcher option")), msg="renamed")
    # Switch back to the first portal with the keyboard: the toast about this one must go.
    d.execute_script("arguments[0].value = arguments[0].options[[...arguments[0].options].findIndex(o => !o.selected && o.value)].value;"
                     "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", el(d, "#profile-switcher"))
    wait(d, lambda: el(d, "#session-portal").get_attribute("title") == clean_portal.url, msg="switched")
    wait(d, lambda: el(d, "#profile-switcher").is_enabled(), msg="switch finished")
    assert el(d, "#policy-host").text == clean_portal.url.split("//")[1]
    assert "Changes discarded" not in toast_text(d) and "Staging" not in toast_text(d), toast_text(d)


# ---- point 13: comforts -------------------------------------------------------------------------

def test_undo_redo_import_and_about(app, artifacts):
    d = app
    sandbox(d)
    choose_method(d, "app")
    add_ip(d, "10.60.0.1")
    el(d, "#ip-input").click()
    chord(d, "z")
    wait(d, lambda: not ip_rows(d), msg="Ctrl+Z removed the IP")
    chord(d, "y")
    wait(d, lambda: [row_text(r) for r in ip_rows(d)] == ["10.60.0.1"], msg="Ctrl+Y brought it back")

    d.execute_script("""
        const input = document.getElementById('ip-import-file');
        const dt = new DataTransfer();
        dt.items.add(new File(['ip,comment\\n10.70.0.0/24,office\\n10.70.0.1/24,typo\\n'], 'office.csv', {type: 'text/csv'}));
        input.files = dt.files;
        input.dispatchEvent(new Event('change'));""")
    wait(d, lambda: [row_text(r) for r in ip_rows(d)] == ["10.60.0.1", "10.70.0.0/24", "10.70.0.1/24"], msg="imported")
    wait(d, lambda: "host bits" in el(d, "#ip-list").text, msg="the imported typo is checked like typed text")
    assert "office.csv" in toast_text(d)

    press(d, Keys.F1)
    wait(d, lambda: dialog_open(d, "#about-dialog"), msg="About opens on F1")
    assert el(d, "#about-version").text.startswith("Version ")
    assert {b.get_attribute("data-link") for b in els(d, "#about-dialog [data-link]")} == {"docspaceHelp", "docspaceApi", "project"}
    screenshot(d, artifacts / "about.png")
    press(d, Keys.ESCAPE)
    wait(d, lambda: not dialog_open(d, "#about-dialog"), msg="About closes on Escape")


# ---- the keyboard-only walk ---------------------------------------------------------------------

def tab_to(d, element_id, limit=40, back=False):
    for _ in range(limit):
        if active_id(d) == element_id:
            return
        press(d, Keys.SHIFT, Keys.TAB, Keys.SHIFT) if back else press(d, Keys.TAB)
    raise AssertionError(f"Tab never reached #{element_id} (at {active_id(d)})")


def test_keyboard_only_connect_edit_review_save(app, clean_portal: Portal, keychain):
    d = app
    connect_form(d)
    wait(d, lambda: active_id(d) == "portal", msg="the portal field has focus at launch")
    press(d, clean_portal.url, Keys.TAB, ADMIN_KEY)
    if not keychain:
        press(d, Keys.TAB, Keys.SPACE, Keys.SHIFT, Keys.TAB, Keys.SHIFT)
    press(d, Keys.ENTER)
    policy_ready(d)
    wait(d, lambda: active_id(d) == "method-none", msg="focus on the method after connecting")
    press(d, Keys.ARROW_DOWN)
    wait(d, lambda: el(d, "#method-app").is_selected(), msg="arrow key chose the app method")
    tab_to(d, "ip-input")
    press(d, "10.80.0.1", Keys.ENTER)
    wait(d, lambda: [row_text(r) for r in ip_rows(d)] == ["10.80.0.1"], msg="IP added by Enter")
    wait(d, lambda: el(d, "#review").is_enabled(), msg="Review enabled")
    tab_to(d, "review")
    press(d, Keys.ENTER)
    wait(d, lambda: dialog_open(d, "#review-dialog") and shown(d, "#review-content"), msg="review by keyboard")
    wait(d, lambda: el(d, "#confirm-save").is_enabled(), msg="Confirm enabled")
    tab_to(d, "confirm-save")
    press(d, Keys.ENTER)
    wait(d, lambda: "Saved and verified" in toast_text(d), msg="saved by keyboard")
    app_entry = next(s for s in clean_portal.tfaapp() if s["id"] == "app")
    assert app_entry["enabled"] and app_entry["trustedIps"] == ["10.80.0.1"], app_entry


# ---- the accessibility audit --------------------------------------------------------------------

SERIOUS = ("serious", "critical")


def audit(d, name, found):
    """axe-core on the whole document as it is now; serious and critical findings go to `found`."""
    if not d.execute_script("return !!window.axe"):
        d.execute_script(AXE.read_text())
    result = d.execute_async_script("""
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']})
          .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                                   nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))))
          .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));""")
    for v in result:
        if v["impact"] in SERIOUS:
            found.append(f"{name}: {v['id']} ({v['impact']}) {v['help']} at {v['nodes']}")
    return result


def test_accessibility_audit_of_every_screen_and_dialog(app, clean_portal, keychain, artifacts):
    if not AXE.is_file():
        pytest.fail("axe-core is missing: run the tests through scripts/e2e (it installs axe-core)")
    d = app
    d.set_script_timeout(60)
    found: list[str] = []
    connect_form(d)
    audit(d, "connect", found)
    connect(d, clean_portal, key="sk-wrong-key", remember=False)
    wait(d, lambda: shown(d, "#api-key-error"), msg="key error")
    audit(d, "connect with an error", found)

    connect(d, clean_portal, remember=keychain)
    policy_ready(d)
    audit(d, "policy", found)
    choose_method(d, "app")
    add_ip(d, "10.90.0.1/24")  # an entry with an error and a fix
    wait(d, lambda: "host bits" in el(d, "#ip-list").text, msg="IP error")
    audit(d, "policy with a draft", found)

    el(d, "#more-actions").click()
    wait(d, lambda: shown(d, "#more-menu"), msg="menu")
    audit(d, "More menu", found)
    press(d, Keys.ESCAPE)

    row = next(r for r in ip_rows(d) if row_text(r) == "10.90.0.1/24")
    row.find_element("css selector", ".ip-use-canonical").click()
    open_review(d)
    audit(d, "review", found)
    el(d, "#review-cancel").click()

    el(d, "#open-what-if").click()
    wait(d, lambda: dialog_open(d, "#what-if-dialog"), msg="what-if")
    audit(d, "what-if", found)
    el(d, "#what-if-close").click()

    el(d, "#open-history").click()
    wait(d, lambda: dialog_open(d, "#history-dialog"), msg="history")
    wait(d, lambda: not shown(d, "#history-loading"), msg="history read")
    audit(d, "history", found)
    el(d, "#history-close").click()

    el(d, "#ip-suggest").click()
    wait(d, lambda: els(d, "#ip-suggestions .suggest-list li"), msg="IP suggestions")
    audit(d, "IP suggestions", found)

    el(d, "#open-people").click()
    wait(d, lambda: dialog_open(d, "#people-dialog") and els(d, "#people-body table, #people-body p:not([role=status])"), msg="People")
    audit(d, "People", found)
    el(d, "#people-close").click()

    el(d, "#open-about").click()
    wait(d, lambda: dialog_open(d, "#about-dialog"), msg="about")
    audit(d, "about", found)
    el(d, "#about-ok").click()

    el(d, "#disconnect").click()
    wait(d, lambda: dialog_open(d, "#confirm-dialog"), msg="discard changes?")
    audit(d, "confirm", found)
    el(d, "#confirm-cancel").click()

    # Names, roles and live regions the audit cannot judge by itself.
    roles = d.execute_script("""
        const q = s => document.querySelector(s);
        return {toast: [q('#toast').getAttribute('role'), q('#toast').getAttribute('aria-live')],
                ipAnnounce: q('#ip-announce').getAttribute('aria-live'),
                unnamedButtons: [...document.querySelectorAll('button')].filter(b => !b.hidden && b.getClientRects().length
                                  && !(b.getAttribute('aria-label') || b.textContent.trim())).map(b => b.id),
                dialogsNamed: [...document.querySelectorAll('dialog')].every(x => x.getAttribute('aria-labelledby'))};""")
    assert roles["toast"] == ["status", "polite"] and roles["ipAnnounce"] == "polite", roles
    assert roles["unnamedButtons"] == [] and roles["dialogsNamed"], roles
    (artifacts / "axe-findings.json").write_text(json.dumps(found, indent=1))
    assert not found, "serious or critical accessibility findings:\n" + "\n".join(found)


# ---- point 12: start-up ---------------------------------------------------------------------------

def test_startup_goes_straight_to_the_first_screen(profile, artifacts):
    """Launch → connect form within 1.2x launch → DOMContentLoaded, with no "Starting…" in between.
    The figures (ms from the launch request) go to startup.json for the report."""
    t0 = time.time() * 1000
    d = profile.launch()
    connect_form(d)
    t = d.execute_script("""
        const nav = performance.getEntriesByType('navigation')[0];
        const mark = performance.getEntriesByName('first-screen')[0];
        return {origin: performance.timeOrigin, dcl: nav.domContentLoadedEventStart,
                first: mark ? mark.startTime : null, boot: !document.getElementById('boot').hidden};""")
    assert t["first"] is not None, "the first screen was never marked"
    figures = {"launchToDomContentLoaded": round(t["origin"] + t["dcl"] - t0),
               "launchToConnectForm": round(t["origin"] + t["first"] - t0),
               "domContentLoadedToConnectForm": round(t["first"] - t["dcl"])}
    (artifacts / "startup.json").write_text(json.dumps(figures, indent=1))
    print("start-up:", figures)
    assert not t["boot"], '"Starting…" is still on screen'
    assert figures["launchToConnectForm"] <= 1.2 * figures["launchToDomContentLoaded"], figures


def test_the_window_size_is_remembered(profile):
    d = profile.launch()
    connect_form(d)
    d.set_window_size(900, 650)
    wait(d, lambda: d.execute_script("return [window.outerWidth, window.outerHeight]") == [900, 650], msg="resized")
    time.sleep(1.5)  # the app saves the size half a second after the last change
    profile.quit(d)
    d = profile.launch()
    connect_form(d)
    assert d.execute_script("return [window.outerWidth, window.outerHeight]") == [900, 650]


# ---- how WebKit paints -----------------------------------------------------------------------------

def web_processes(root_pid: int) -> list[int]:
    """The WebKit web processes below root_pid (tauri-driver → app → WebKitWebProcess)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # the process ended meanwhile
        # "pid (comm) state ppid …": comm may hold spaces and parentheses.
        parents[int(stat.parent.name)] = (int(text[text.rindex(")") + 2:].split()[1]), text[text.index("(") + 1:text.rindex(")")])
    found, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        for child, (ppid, comm) in parents.items():
            if ppid == pid:
                todo.append(child)
                if comm.startswith("WebKitWebProces"):
                    found.append(child)
    return found


def test_pages_are_painted_without_compositing_and_an_idle_page_can_be_screenshot(profile, app, clean_portal, artifacts):
    """The app starts WebKit without compositing (src-tauri/src/webkit_env.rs): the web process's
    environment says so. An idle policy screen then makes no paint of its own,
    and a screenshot (conftest.save_screenshot) must still come back."""
    connect(app, clean_portal, remember=False)
    policy_ready(app)
    pids = web_processes(profile.proc.pid)
    assert pids, "no WebKit web process under this test's tauri-driver"
    for pid in pids:
        env = dict(kv.split("=", 1) for kv in Path(f"/proc/{pid}/environ").read_text().split("\0") if "=" in kv)
        assert env.get("WEBKIT_DISABLE_COMPOSITING_MODE") == "1", pid
    time.sleep(12)  # long enough for every timer of the screen to have run out
    done = threading.Event()
    shot = artifacts / "idle-policy.png"

    def take():
        save_screenshot(app, shot)
        done.set()

    threading.Thread(target=take, daemon=True).start()
    assert done.wait(30), "the screenshot of an idle page did not come back within 30 s"
    assert shot.stat().st_size > 20_000, "the screenshot is empty"
