"""Never lose work, never mislead (issue 10 points 1-3, issue 9 point 5), on a slow sandbox portal:
every API answer is delayed, and a reload can be made to take seconds. What the portal holds
afterwards is checked on the portal itself."""

from __future__ import annotations

import time

import pytest

from conftest import Portal
from test_app import (add_ip, connect, connect_form, dialog_open, el, els, ip_rows, open_review, policy_ready,
                      row_text, screenshot, shown, wait)

TFA = "/api/2.0/settings/tfaapp"
LATENCY_MS = 150


def set_faults(portal: Portal, rules: list) -> None:
    portal.request("PUT", "/sandbox/faults", {"faults": rules})


def latency(ms: int = LATENCY_MS) -> dict:
    """Every API call of the portal answers `ms` late, as a portal far away does."""
    return {"method": "*", "path": "/api/2.0/*", "fault": {"delayMs": ms}}


def slow_reads(ms: int, times: int = 1) -> dict:
    """The next `times` reads of the policy take `ms` (the answer is what the portal holds then)."""
    return {"method": "GET", "path": TFA, "fault": {"delayMs": ms}, "times": times}


@pytest.fixture()
def slow_portal(clean_portal):
    set_faults(clean_portal, [latency()])
    yield clean_portal
    set_faults(clean_portal, [])


def toast_now(d) -> str:
    """The toast's text, also while it fades in (WebDriver's `.text` is empty for a hidden element)."""
    return el(d, "#toast-text").get_attribute("textContent")


def reading(d) -> bool:
    return el(d, "#reload-policy").get_attribute("aria-busy") == "true"


def texts(d) -> list[str]:
    return [row_text(r) for r in ip_rows(d)]


def connected(d, portal, ips):
    portal.set_app(ips)
    connect(d, portal, remember=False)
    policy_ready(d)
    wait(d, lambda: texts(d) == ips, msg="the portal's IPs in the form")


def test_an_ip_added_while_a_reload_is_on_its_way_is_kept(app, slow_portal, artifacts):
    d = app
    connected(d, slow_portal, ["10.0.0.1"])
    set_faults(slow_portal, [slow_reads(3000), latency()])
    el(d, "#reload-policy").click()
    wait(d, lambda: reading(d), msg="reading")
    # The form stays editable while the read is on its way; the wait says what it waits for.
    add_ip(d, "10.9.9.9")
    screenshot(d, artifacts / "reload-while-editing.png")
    wait(d, lambda: not reading(d), msg="the read landed")
    assert texts(d) == ["10.0.0.1", "10.9.9.9"], "the IP added during the read is still there"
    assert shown(d, "#dirty-indicator"), "Unsaved changes is still shown"
    wait(d, lambda: "your edits are kept" in toast_now(d), timeout=3, msg="says the edits are kept")


def test_a_read_that_brings_another_admins_change_asks_keep_mine_or_take_theirs(app, slow_portal):
    d = app
    connected(d, slow_portal, ["10.0.0.1"])
    set_faults(slow_portal, [slow_reads(3000), latency()])
    el(d, "#reload-policy").click()
    wait(d, lambda: reading(d), msg="reading")
    slow_portal.set_app(["10.0.0.1", "172.16.0.0/12"])  # someone else saves meanwhile
    add_ip(d, "10.9.9.9")
    wait(d, lambda: dialog_open(d, "#confirm-dialog"), timeout=15, msg="keep mine / take theirs")
    assert "changed on the portal while you were editing" in el(d, "#confirm-title").text
    el(d, "#confirm-ok").click()  # Keep my changes
    wait(d, lambda: texts(d) == ["10.0.0.1", "172.16.0.0/12", "10.9.9.9"], msg="mine on top of theirs")
    assert shown(d, "#dirty-indicator")


def test_a_stalled_reload_can_be_cancelled_and_the_form_stays(app, slow_portal, artifacts):
    d = app
    connected(d, slow_portal, ["10.0.0.1"])
    set_faults(slow_portal, [slow_reads(25000), latency()])
    el(d, "#reload-policy").click()
    wait(d, lambda: els(d, "#policy-wait .wait-cancel"), msg="Cancel after half a second")
    assert "Reading the TFA policy from 127.0.0.1" in el(d, "#policy-wait").text
    screenshot(d, artifacts / "reload-cancel.png")
    el(d, "#policy-wait .wait-cancel").click()
    wait(d, lambda: not reading(d), timeout=3, msg="no longer reading")
    assert not els(d, "#policy-wait .wait-row"), "the wait is gone"
    wait(d, lambda: "Stopped reading the policy" in toast_now(d), timeout=3, msg="says the read was stopped")
    assert texts(d) == ["10.0.0.1"]
    # The next reload works (the cancelled one never lands on the screen).
    set_faults(slow_portal, [latency()])
    slow_portal.set_app(["10.0.0.2"])
    el(d, "#reload-policy").click()
    wait(d, lambda: texts(d) == ["10.0.0.2"], msg="the new read completes the screen")


def test_review_of_a_draft_after_another_admin_saved_shows_theirs_mine_and_the_result(app, slow_portal, artifacts):
    d = app
    portal = slow_portal
    someone = next(p for p in portal.people() if not p["isOwner"] and not p["isAdmin"] and "&" not in p["displayName"])
    connected(d, portal, ["10.0.0.1"])
    # Someone else adds a network and a user; I add one IP and open the review.
    portal.set_app(["10.0.0.1", "172.16.0.0/12"], users=[someone["id"]])
    add_ip(d, "192.168.7.7")
    open_review(d)
    wait(d, lambda: shown(d, "#review-moved"), msg="the review says the portal moved")
    assert "172.16.0.0/12" in el(d, "#review-theirs").text
    assert someone["displayName"] in el(d, "#review-theirs").text
    assert "192.168.7.7" in el(d, "#review-mine").text
    assert "172.16.0.0/12" not in el(d, "#review-mine").text
    result = el(d, "#review-diff")
    assert "192.168.7.7" in result.text
    assert not result.find_elements("css selector", ".diff-remove"), "their change is no removal of mine"
    time.sleep(2)  # a busy machine can paint the modal late; the picture is for people to look at
    screenshot(d, artifacts / "review-moved.png")
    wait(d, lambda: el(d, "#confirm-save").is_enabled(), msg="Confirm enabled")
    el(d, "#confirm-save").click()
    wait(d, lambda: "Saved and verified" in toast_now(d), msg="saved")
    s = portal.state()["app"]
    assert s["trustedIps"] == ["10.0.0.1", "172.16.0.0/12", "192.168.7.7"]
    assert s["mandatoryUsers"] == [someone["id"]]


def test_switching_to_the_sandbox_mid_load_completes_the_screen(app, slow_portal):
    d = app
    portal = slow_portal
    connected(d, portal, ["10.0.0.1"])
    set_faults(portal, [slow_reads(4000), latency()])
    el(d, "#reload-policy").click()
    wait(d, lambda: reading(d), msg="reading")
    el(d, "#disconnect").click()
    wait(d, lambda: shown(d, "#try-sandbox"), msg="connect screen")
    el(d, "#try-sandbox").click()
    wait(d, lambda: "127.0.0.1" in el(d, "#session-portal").text and shown(d, "#policy-form"), msg="the sandbox's policy")
    wait(d, lambda: not reading(d) and el(d, "#policy-screen").get_attribute("aria-busy") == "false", msg="not spinning")
    # The slow answer of the old portal arrives later and changes nothing.
    shown_now = texts(d)
    time.sleep(4.5)
    assert texts(d) == shown_now
    assert el(d, "#policy-screen").get_attribute("aria-busy") == "false"


def test_the_picker_clears_its_box_after_a_pick_and_flags_the_owner_with_the_reason(app, slow_portal):
    d = app
    portal = slow_portal
    owner = next(p for p in portal.people() if p["isOwner"])
    connected(d, portal, ["10.0.0.1"])  # as an admin, not the owner
    box = el(d, "#user-search")
    box.send_keys(owner["displayName"].split()[0])
    option = f'#user-results [role=option][data-id="{owner["id"]}"]'
    wait(d, lambda: shown(d, option), msg="the owner in the results")
    assert "Only the owner can make TFA mandatory for the owner" in el(d, option).text, "flagged before the pick"
    el(d, option).click()
    wait(d, lambda: els(d, f'#user-chips .chip[data-id="{owner["id"]}"]'), msg="chip")
    assert el(d, "#user-search").get_attribute("value") == "", "the box is empty for the next search"
    assert "Only the owner can make TFA mandatory" in el(d, f'#user-chips .chip[data-id="{owner["id"]}"]').text


def test_a_stalled_save_can_be_stopped_and_never_says_nothing_changed(app, slow_portal, artifacts):
    d = app
    portal = slow_portal
    connected(d, portal, ["10.0.0.1"])
    add_ip(d, "10.0.0.2")
    open_review(d)
    wait(d, lambda: el(d, "#confirm-save").is_enabled(), msg="Confirm enabled")
    # The PUT hangs (the portal still applies it, later).
    set_faults(portal, [{"method": "PUT", "path": TFA, "fault": {"delayMs": 20000}, "times": 1}, latency()])
    el(d, "#confirm-save").click()
    wait(d, lambda: els(d, "#review-wait .wait-cancel"), msg="Stop waiting, inside the review")
    assert "Saving to 127.0.0.1" in el(d, "#review-wait").text
    screenshot(d, artifacts / "save-stop-waiting.png")
    el(d, "#review-wait .wait-cancel").click()
    wait(d, lambda: shown(d, "#review-error"), timeout=5, msg="the save's outcome")
    text = el(d, "#review-error-text").text
    assert "may have applied your change" in text, text
    assert "nothing" not in text.lower(), text
    assert shown(d, "#review-reload"), "offers to read the policy again"
    # It did land: reading again shows it.
    wait(d, lambda: "10.0.0.2" in portal.state()["app"]["trustedIps"], timeout=40, msg="the PUT landed after all")


def test_launch_on_a_stalled_portal_can_be_cancelled(profile, clean_portal, keychain):
    if not keychain:
        pytest.skip("no Secret Service on this session bus (run through scripts/e2e)")
    d = profile.launch()
    connect(d, clean_portal, remember=True)
    policy_ready(d)
    profile.quit(d)
    set_faults(clean_portal, [{"method": "GET", "path": "/api/2.0/people/@self", "fault": {"delayMs": 25000}, "times": 1}])
    try:
        d = profile.launch()
        wait(d, lambda: els(d, "#connecting-wait .wait-cancel"), msg="Cancel on the connecting screen")
        assert "Connecting to 127.0.0.1" in el(d, "#connecting-wait").text
        el(d, "#connecting-wait .wait-cancel").click()
        connect_form(d)
        assert el(d, "#portal").get_attribute("value") == clean_portal.url
        # The stopped connect never becomes the connection: the form stays.
        time.sleep(1)
        assert shown(d, "#connect-screen") and not shown(d, "#policy-screen")
    finally:
        set_faults(clean_portal, [])


def test_typed_ip_text_with_spaces_is_one_entry_and_a_spaced_range_is_tidied(app, slow_portal):
    d = app
    connected(d, slow_portal, ["10.0.0.1"])
    box = el(d, "#ip-input")
    box.send_keys("office wifi")
    el(d, "#ip-add").click()
    wait(d, lambda: texts(d) == ["10.0.0.1", "office wifi"], msg="one entry, not two")
    wait(d, lambda: len(els(d, "#ip-list .ip-row .ip-error")) == 1, msg="one error row")
    box.send_keys("10.9.9.9 - 10.9.9.20")
    el(d, "#ip-add").click()
    wait(d, lambda: texts(d)[-1:] == ["10.9.9.9-10.9.9.20"], msg="the range as the server reads it")


def test_copy_from_another_portal_names_the_owner_it_brings_along(app, clean_portal, fresh_portal, keychain):
    if not keychain:
        pytest.skip("no Secret Service on this session bus (run through scripts/e2e)")
    d = app
    source, here = clean_portal, fresh_portal
    owner = next(p for p in source.people() if p["isOwner"])
    source.set_app(["10.0.0.1"], users=[owner["id"]])
    connect(d, source, remember=True)
    policy_ready(d)
    el(d, "#disconnect").click()
    connect(d, here, remember=True)  # as an admin, not the owner
    policy_ready(d)
    wait(d, lambda: shown(d, "#profile-switch"), msg="two saved portals")
    el(d, "#more-actions").click()
    wait(d, lambda: shown(d, "#copy-from-profile"), msg="Copy in the menu")
    el(d, "#copy-from-profile").click()
    wait(d, lambda: dialog_open(d, "#copy-dialog"), msg="copy dialog")
    el(d, "#copy-run").click()
    wait(d, lambda: shown(d, "#import-notice"), msg="the notice")
    notice = el(d, "#import-notice").text
    assert "Every user and group was found" not in notice, notice
    assert "only the owner can make TFA mandatory for the owner" in notice, notice
    assert owner["displayName"] in el(d, "#import-owner").text
