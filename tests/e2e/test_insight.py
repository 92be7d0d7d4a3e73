"""The sign-in insight in the real app, on the sandbox's seeded sign-in history: the review's impact
section, "Suggest from sign-ins…" in the trusted-IP editor, the People view and "Forget sign-in
data". What the app shows is checked against the CLI (`impact --json`, `suggest-ips --json`,
`people-status --csv`) run against the same sandbox, and against the portal itself."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import subprocess
from pathlib import Path

from selenium.webdriver.common.by import By

from conftest import ADMIN_KEY, CLI, OWNER_KEY, Portal, save_screenshot
from test_app import choose_method, connect, dialog_open, el, els, ip_rows, open_review, policy_ready, row_text, shown, wait

SUMMARY = re.compile(r"Over (\d+) sign-ins? by (\d+) (?:person|people) in the last 30 days: now (\d+) sign-ins "
                     r"\((\d+) (?:person|people)\) are asked; with this draft (\d+) \((\d+) (?:person|people)\)\.")


def cli_json(portal: Portal, tmp_path: Path, key: str, *args: str):
    """The CLI against the same sandbox, with a HOME of its own (its own sign-in cache)."""
    home = tmp_path / "cli-home"
    home.mkdir(exist_ok=True)
    env = dict(os.environ, HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
               XDG_CACHE_HOME=str(home / "cache"), DOCSPACE_API_KEY=key)
    out = subprocess.run([str(CLI), "--portal", portal.url, *args], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def signin_copies(root: Path) -> list[Path]:
    """The app's per-portal copies of the sign-in history under a profile's folders."""
    return [f for d in root.rglob("signins") if d.is_dir() for f in d.iterdir()]


def impact_text(d) -> str:
    wait(d, lambda: SUMMARY.search(el(d, "#review-impact").text), msg="impact figures in the review")
    return el(d, "#review-impact").text


def people_in(d, heading: str) -> list[str]:
    """Names listed under an impact heading like "Newly asked (3)"."""
    box = el(d, "#review-impact")
    for h4 in box.find_elements(By.CSS_SELECTOR, "h4"):
        if h4.text.startswith(heading + " ("):
            ul = h4.find_element(By.XPATH, "following-sibling::ul[1]")
            return [li.text for li in ul.find_elements(By.CSS_SELECTOR, "li")]
    return []


def check_names(shown_items: list[str], want: list[dict], tags: bool) -> None:
    """The people listed under an impact heading are the CLI's, by name, with the CLI's app status."""
    assert len(shown_items) == len(want), (shown_items, want)
    for item, p in zip(sorted(shown_items), sorted(want, key=lambda p: p["name"])):
        assert item.startswith(p["name"]), (item, p)
        if tags and p["hasApp"] is False:
            assert "no app yet" in item, item
        elif tags and p["hasApp"] is True:
            assert "has an app" in item, item


def test_impact_in_review_matches_cli(clean_portal, profile, tmp_path, artifacts):
    """Live: app TFA, the 10.20.0.0/22 offices trusted. Draft: the 198.51.100.0/24 office instead.
    People of one office are newly asked, people of the other no longer."""
    portal = clean_portal
    live_net, draft_net = "10.20.0.0/22", "198.51.100.0/24"
    portal.set_app([live_net])
    d = profile.launch()
    connect(d, portal, key=ADMIN_KEY)
    policy_ready(d)
    wait(d, lambda: [row_text(r) for r in ip_rows(d)] == [live_net], msg="live trusted network")
    ip_rows(d)[0].find_element(By.CSS_SELECTOR, ".ip-remove").click()
    box = el(d, "#ip-input")
    box.send_keys(draft_net)
    el(d, "#ip-add").click()
    wait(d, lambda: [row_text(r) for r in ip_rows(d)] == [draft_net], msg="draft network row")
    open_review(d)
    text = impact_text(d)
    save_screenshot(d, artifacts / "insight-review-impact.png")

    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps({"method": "app", "trustedIps": [draft_net], "mandatoryUsers": [], "mandatoryGroups": []}))
    want = json.loads(cli_json(portal, tmp_path, ADMIN_KEY, "impact", "--json", "--days", "30", "--file", str(draft)))

    got = [int(x) for x in SUMMARY.search(text).groups()]
    assert got == [want["signIns"], want["people"], want["live"]["askedSignIns"], want["live"]["askedPeople"],
                   want["draft"]["askedSignIns"], want["draft"]["askedPeople"]], text
    assert want["newlyAsked"] and want["noLongerAsked"], "the seeded history has people in both offices"
    assert 0 < want["live"]["askedSignIns"] < want["signIns"] and 0 < want["draft"]["askedSignIns"] < want["signIns"]
    if want["unanalysable"]:
        assert f"{want['unanalysable']} sign-in" in text and "IPv6" in text
    # App TFA is on, so the portal tells the admin who has an app: the CLI and the app agree on it.
    assert any(p["hasApp"] is not None for p in want["newlyAsked"])
    check_names(people_in(d, "Newly asked"), want["newlyAsked"], tags=True)
    check_names(people_in(d, "No longer asked"), [dict(p, hasApp=None) for p in want["noLongerAsked"]], tags=False)
    # The admin's own addresses, each with the CLI's verdicts.
    mine_lines = [p.text for p in el(d, "#review-impact").find_elements(By.CSS_SELECTOR, "p") if p.text.startswith("You, from ")]
    assert len(mine_lines) == len(want["me"]), mine_lines
    for a in want["me"]:
        mine = next(x for x in mine_lines if x.startswith(f"You, from {a['ip']} ("))
        assert mine.endswith(f"{'asked' if a['live'] else 'not asked'} now, {'asked' if a['draft'] else 'not asked'} with this draft.")


def test_forget_signin_data_deletes_the_copy(clean_portal, profile):
    portal = clean_portal
    d = profile.launch()
    connect(d, portal, key=ADMIN_KEY)
    policy_ready(d)
    choose_method(d, "app")
    open_review(d)
    impact_text(d)
    copies = signin_copies(profile.home)
    assert len(copies) == 1, copies
    assert copies[0].stat().st_mode & 0o077 == 0, "owner-only permissions"
    el(d, "#review-impact-forget").click()
    wait(d, lambda: "copy of the portal's sign-in data was deleted" in el(d, "#review-impact").text, msg="forgotten")
    assert signin_copies(profile.home) == []
    # A second forget finds nothing to delete, and says so.
    el(d, "#review-impact-forget").click()
    wait(d, lambda: "No sign-in data of this portal was kept" in el(d, "#review-impact").text, msg="nothing kept")


def suggestion_items(d):
    return els(d, "#ip-suggestions .suggest-list li")


def test_suggest_from_signins_adds_a_network(clean_portal, profile, tmp_path, artifacts):
    portal = clean_portal
    d = profile.launch()
    connect(d, portal, key=ADMIN_KEY)
    policy_ready(d)
    choose_method(d, "app")
    el(d, "#ip-suggest").click()
    wait(d, lambda: suggestion_items(d), msg="suggestions")
    want = json.loads(cli_json(portal, tmp_path, ADMIN_KEY, "suggest-ips", "--json", "--days", "30"))
    items = suggestion_items(d)
    assert len(items) == min(10, len(want)) and want
    for li, s in zip(items, want):
        assert li.find_element(By.CSS_SELECTOR, "code").text == s["network"]
        assert f"{s['people']} people, {s['signIns']} sign-ins, not trusted yet" in li.text, li.text
        assert s["people"] >= 2 and int(s["network"].split("/")[1]) >= 16
    save_screenshot(d, artifacts / "insight-suggestions.png")

    best = want[0]["network"]
    items[0].find_element(By.CSS_SELECTOR, "button").click()
    # The network goes through the editor's own checks: a row, no error, Review possible.
    wait(d, lambda: any(row_text(r) == best for r in ip_rows(d)), msg=f"row for {best}")
    wait(d, lambda: not els(d, ".ip-row .ip-error") and el(d, "#review").is_enabled(), msg="network accepted")
    # Asked again, the list measures against the draft: that network is now trusted, with no Add.
    el(d, "#ip-suggest").click()
    def first_trusted():
        li = suggestion_items(d)
        return li and li[0].find_element(By.CSS_SELECTOR, "code").text == best and "already trusted" in li[0].text
    wait(d, first_trusted, msg="suggestion marked trusted")
    assert not suggestion_items(d)[0].find_elements(By.CSS_SELECTOR, "button")


def people_rows(d):
    return els(d, "#people-body tbody tr")


def open_people(d):
    el(d, "#open-people").click()
    wait(d, lambda: dialog_open(d, "#people-dialog"), msg="People open")
    wait(d, lambda: people_rows(d) or els(d, "#people-body .callout"), msg="People loaded")
    assert not els(d, "#people-body .callout-error"), el(d, "#people-body").text


def mandatory_pair(portal: Portal) -> tuple[dict, dict]:
    """Two ordinary people of the sandbox: one with an authenticator app, one without (the owner
    sees `tfaAppEnabled` while app TFA is on)."""
    portal.set_app([])
    people = [p for p in portal.people() if not p.get("isOwner") and not p.get("isAdmin")]
    with_app = next(p for p in people if p.get("tfaAppEnabled") is True)
    without = next(p for p in people if p.get("tfaAppEnabled") is False)
    return with_app, without


def test_people_view_owner_resets_an_app(clean_portal, profile, tmp_path, artifacts):
    portal = clean_portal
    with_app, without = mandatory_pair(portal)
    portal.set_app([], users=[with_app["id"], without["id"]])
    d = profile.launch()
    connect(d, portal, key=OWNER_KEY)
    policy_ready(d)
    open_people(d)
    want = list(csv.DictReader(io.StringIO(cli_json(portal, tmp_path, OWNER_KEY, "people-status", "--csv", "--days", "30"))))
    rows = people_rows(d)
    assert len(rows) == len(want) == 2
    app_word = {"yes": "linked", "no": "not linked", "unknown": "unknown"}
    for tr, w in zip(rows, want):
        cells = [c.text for c in tr.find_elements(By.CSS_SELECTOR, "td")]
        assert cells[0].startswith(w["name"]) and cells[2] == app_word[w["hasApp"]], (cells, w)
        assert cells[4] == f"{w['failedPasswords']} / {w['failedSecondFactor']}"
        if w["lastSignIn"]:
            assert cells[3].startswith(w["lastSignIn"][:16].replace("T", " ")) and f"({w['lastMethod']})" in cells[3]
        else:
            assert cells[3] == "none in 30 days"
    assert {w["id"]: w["hasApp"] for w in want} == {with_app["id"]: "yes", without["id"]: "no"}
    assert "Only the portal owner" not in el(d, "#people-body").text
    save_screenshot(d, artifacts / "insight-people.png")

    # Only a linked app can be reset: one button, on that person's row.
    buttons = [b for b in els(d, "#people-body tbody button") if b.text == "Reset app…"]
    assert len(buttons) == 1
    row = buttons[0].find_element(By.XPATH, "ancestor::tr[1]")
    name = html.unescape(with_app["displayName"])  # the portal sends names HTML-encoded
    assert row.text.startswith(name)
    buttons[0].click()
    wait(d, lambda: dialog_open(d, "#confirm-dialog"), msg="confirmation")
    assert name in el(d, "#confirm-title").text
    assert "signed out everywhere" in el(d, "#confirm-message").text
    assert "link an authenticator app again" in el(d, "#confirm-message").text
    el(d, "#confirm-ok").click()
    wait(d, lambda: not any(b.text == "Reset app…" for b in els(d, "#people-body tbody button")), msg="row reloaded")
    person = next(p for p in portal.people(with_app["email"]) if p["id"] == with_app["id"])
    assert person["tfaAppEnabled"] is False
    wait(d, lambda: all(r.find_elements(By.CSS_SELECTOR, "td")[2].text == "not linked" for r in people_rows(d)), msg="both not linked")


def test_people_view_admin_sees_why_no_reset(clean_portal, profile):
    portal = clean_portal
    with_app, without = mandatory_pair(portal)
    portal.set_app([], users=[with_app["id"], without["id"]])
    d = profile.launch()
    connect(d, portal, key=ADMIN_KEY)
    policy_ready(d)
    open_people(d)
    assert len(people_rows(d)) == 2
    assert "Only the portal owner can reset someone's authenticator app" in el(d, "#people-body").text
    assert not els(d, "#people-body button")
    el(d, "#people-close").click()
    wait(d, lambda: not dialog_open(d, "#people-dialog"), msg="People closed")


def scan_progress_then_cancel(d, bar: str, out: str):
    """A slow scan shows `bar` with its counts after half a second; Cancel stops it and `out` says so."""
    status = re.compile(r"^\d+ pages? read, \d+ events?$")
    wait(d, lambda: shown(d, bar) and status.match(el(d, f"{bar} .scan-status").text), msg=f"{bar} with counts")
    el(d, f"{bar} .scan-cancel").click()
    wait(d, lambda: "The sign-in scan was cancelled" in el(d, out).text, msg=f"{out} says the scan was cancelled")
    assert not shown(d, bar)
    assert not els(d, f"{out} .callout-error"), "a cancel the admin asked for is not an error"


def test_slow_scans_show_progress_with_cancel(fresh_portal, profile):
    portal = fresh_portal
    portal.set_app([], users=[mandatory_pair(portal)[0]["id"]])
    d = profile.launch()
    connect(d, portal, key=OWNER_KEY)
    policy_ready(d)
    # A far portal from now on: every call takes 1.5 s.
    portal.request("PUT", "/sandbox/config", {"latencyMs": 1500})
    el(d, "#ip-suggest").click()
    scan_progress_then_cancel(d, "#ip-suggest-progress", "#ip-suggestions")
    el(d, "#open-people").click()
    wait(d, lambda: dialog_open(d, "#people-dialog"), msg="People open")
    scan_progress_then_cancel(d, "#people-progress", "#people-body")
