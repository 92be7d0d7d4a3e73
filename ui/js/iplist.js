// Import of a plain-text or CSV list of trusted IPs. The file is only split into entries here;
// every entry then goes through the same editor and the same server-rule checker as typed text.

import { splitEntries } from './model.js';

/** Longest file read: a list of trusted IPs is a few KB; anything far bigger is not one. */
export const MAX_LIST_BYTES = 1024 * 1024;

const HEADER = /^(ip|ips|address|addresses|ip address|trusted ips?|network|range|cidr|entry)$/i;

/** One CSV line into cells: commas, semicolons or tabs; double quotes may wrap a cell. */
function cells(line) {
  const out = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (c === '"') {
      if (quoted && line[i + 1] === '"') {
        cur += '"';
        i += 1;
      } else {
        quoted = !quoted;
      }
    } else if (!quoted && (c === ',' || c === ';' || c === '\t')) {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

/**
 * The entries of a text or CSV file: one per line, or the first column of a CSV (a header
 * row such as "ip,comment" is skipped), lines starting with # are comments. Nothing is judged
 * here: a bad entry is kept, so the editor can show what is wrong with it.
 */
export function parseIpList(text) {
  const lines = String(text || '').replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const csv = lines.some((l) => /[,;\t]/.test(l) && !/^\s*#/.test(l));
  const out = [];
  lines.forEach((line, n) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    if (!csv) {
      // Plain text: a line may hold several entries, split like pasted text.
      out.push(...splitEntries(t));
      return;
    }
    const first = cells(t)[0];
    if (!first) return;
    if (n === 0 || out.length === 0) {
      if (HEADER.test(first)) return;
    }
    out.push(first);
  });
  return out;
}

/** The "Import list…" button of the trusted-IP panel and its file chooser. */
export function initIpImport({ add, report }) {
  const button = document.getElementById('ip-import');
  const input = document.getElementById('ip-import-file');
  if (!button || !input) return;
  button.addEventListener('click', () => input.click());
  input.addEventListener('change', async () => {
    const file = input.files && input.files[0];
    input.value = '';
    if (!file) return;
    if (file.size > MAX_LIST_BYTES) {
      report(`${file.name} is larger than 1 MB, so it is not a list of trusted IPs. Choose a text or CSV file with one address per line.`, 'error');
      return;
    }
    let parts;
    try {
      parts = parseIpList(await file.text());
    } catch {
      report(`${file.name} could not be read as text. Choose a text or CSV file with one address per line.`, 'error');
      return;
    }
    if (!parts.length) {
      report(`${file.name} holds no addresses. Put one address, range or network per line.`, 'error');
      return;
    }
    const added = add(parts);
    report(`Imported ${added} of ${parts.length} ${parts.length === 1 ? 'entry' : 'entries'} from ${file.name}; each is checked like typed text.`, 'success');
    button.focus();
  });
}
