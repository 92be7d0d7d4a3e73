// The guard that asks before the window closes with unsaved changes. Its parts come in as
// arguments, so the logic is tested without a window manager (tests/ui/closeguard.test.mjs):
// windowApi is Tauri's `window` module, the rest are the app's state and dialogs.

/**
 * @param {{getCurrentWindow: () => {onCloseRequested: Function, destroy: Function}}} windowApi
 * @param {{isDirty: () => boolean, confirm: (opts) => Promise<string>, subscribe: (topic, fn) => void,
 *          notify: (text) => void}} deps
 * @returns {{sync: () => Promise<void>, onClose: (event) => Promise<void>, listening: () => boolean}}
 */
export function installCloseGuard(windowApi, { isDirty, confirm, subscribe, notify }) {
  let unlisten = null;
  let registering = null;
  const onClose = async (event) => {
    event.preventDefault();
    const choice = await confirm({
      title: 'Quit with unsaved changes?',
      message: 'Your changes to the TFA policy are not saved. Quitting discards them.',
      ok: 'Discard and quit',
      cancel: 'Keep editing',
      danger: true,
    });
    if (choice !== 'ok') return;
    if (unlisten) {
      unlisten();
      unlisten = null;
    }
    try {
      await windowApi.getCurrentWindow().destroy();
    } catch {
      // No permission to destroy the window: with the listener gone, the next close goes through.
      notify('Close the window again to quit.');
    }
  };
  // Listen only while there is something to lose, so a clean window closes natively.
  const sync = async () => {
    if (registering) await registering;
    const dirty = isDirty();
    if (dirty && !unlisten) {
      registering = windowApi.getCurrentWindow().onCloseRequested(onClose)
        .then((fn) => { unlisten = fn; })
        .catch(() => {})
        .finally(() => { registering = null; });
      await registering;
    } else if (!dirty && unlisten) {
      unlisten();
      unlisten = null;
    }
  };
  subscribe('draft', sync);
  subscribe('loaded', sync);
  return { sync, onClose, listening: () => !!unlisten };
}
