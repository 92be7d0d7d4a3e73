// The only door to Rust: `call(name, args)` resolves with the command's JSON or rejects with a
// CommandError `{kind, message, details?}`, whatever shape the rejection had.

const FALLBACK = {
  notConnected: 'Not connected to a portal. Connect again.',
  network: 'The portal could not be reached. Check the address and your network, then try again.',
  timeout: 'The portal did not answer in time. Try again.',
  internal: 'Something went wrong inside the app. Try again; if it keeps happening, restart the app.',
};

export function toCommandError(e) {
  if (e && typeof e === 'object' && typeof e.kind === 'string') {
    return {
      kind: e.kind,
      message: typeof e.message === 'string' && e.message ? e.message : FALLBACK[e.kind] || FALLBACK.internal,
      details: e.details,
    };
  }
  if (typeof e === 'string') {
    // Tauri itself rejects with a plain string (unknown command, denied by the capability, bad args).
    return { kind: 'internal', message: e };
  }
  if (e instanceof Error) return { kind: 'internal', message: e.message || FALLBACK.internal };
  return { kind: 'internal', message: FALLBACK.internal };
}

export async function call(name, args) {
  const tauri = globalThis.__TAURI__;
  if (!tauri || !tauri.core || typeof tauri.core.invoke !== 'function') {
    throw { kind: 'internal', message: 'The app bridge is not available (window.__TAURI__ is missing). Start the app from its binary.' };
  }
  try {
    return await tauri.core.invoke(name, args);
  } catch (e) {
    throw toCommandError(e);
  }
}
