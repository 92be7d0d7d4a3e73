"""Screenshots of the webview through WebDriver that cannot hang on an idle page.

Shared by the end-to-end tests (conftest) and the scripts that drive the app (bench-desktop,
screenshots), which put this folder on PYTHONPATH.
"""

from __future__ import annotations

# WebKitGTK without compositing (the app's default, see src-tauri/src/webkit_env.rs) answers a
# WebDriver screenshot only after its next paint, and an idle page never paints again: the call
# would hang. While the screenshot is taken, a 1-px mark at the corner (opacity 0.01, outside
# <body>, no pointer events, no accessibility) changes every 16 ms, so a paint always follows.
_PAINT_MARK_ON = """
let m = document.getElementById('__e2e_paint');
if (!m) {
  m = document.createElement('div');
  m.id = '__e2e_paint';
  m.setAttribute('aria-hidden', 'true');
  m.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;opacity:0.01;pointer-events:none;z-index:2147483647';
  document.documentElement.append(m);
  let on = false;
  m._timer = setInterval(() => { on = !on; m.style.background = on ? '#000' : '#fff'; }, 16);
}
"""
_PAINT_MARK_OFF = """
const m = document.getElementById('__e2e_paint');
if (m) { clearInterval(m._timer); m.remove(); }
"""


def save_screenshot(d, path) -> None:
    """The webview's screenshot (Selenium's save_screenshot), which cannot wait forever for a paint."""
    d.execute_script(_PAINT_MARK_ON)
    try:
        d.save_screenshot(str(path))
    finally:
        d.execute_script(_PAINT_MARK_OFF)
