#!/usr/bin/env node
// Writes src-tauri/tauri.conf.json for the Tauri CLI from the top-level config. Used by
// scripts/bundle and by .github/workflows/release.yml on every OS (plain Node, no shell).
//
//   node scripts/tauri-conf.mjs [--cli PATH] [--man DIR]
//
// Why: cargo reads the top-level tauri.conf.json (src-tauri/build.rs), but the CLI only accepts a
// config inside the crate folder ("No package info in the config file", see src-tauri/README.md).
// The written file is the top-level config merged with this OS's tauri.<os>.conf.json (as Tauri
// itself merges them), with every file path made relative to src-tauri/. Remove it after use.
//
// --cli PATH  also packages the command-line binary `docspace-tfa`: on Linux as /usr/bin/docspace-tfa
//             in the deb, rpm and AppImage; on macOS and Windows as a sidecar next to the app's own
//             binary (copied to src-tauri/binaries/docspace-tfa-<target triple>[.exe], not committed).
// --man DIR   the CLI's gzipped man pages (DIR/*.1.gz), installed into /usr/share/man/man1 (Linux only).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const crate = path.join(root, "src-tauri");
const out = path.join(crate, "tauri.conf.json");

const args = process.argv.slice(2);
const opt = {};
for (let i = 0; i < args.length; i += 2) {
  if (!["--cli", "--man"].includes(args[i]) || args[i + 1] === undefined) {
    console.error(`tauri-conf: unknown or incomplete argument ${args[i]} (use --cli PATH, --man DIR)`);
    process.exit(2);
  }
  opt[args[i].slice(2)] = path.resolve(args[i + 1]);
}
for (const [name, file] of Object.entries(opt)) {
  if (!fs.existsSync(file)) {
    console.error(`tauri-conf: --${name} ${file} does not exist; build it first`);
    process.exit(2);
  }
}
if (fs.existsSync(out)) {
  console.error(`tauri-conf: ${out} already exists; remove it (a previous run may have been killed)`);
  process.exit(2);
}

const os = { linux: "linux", darwin: "macos", win32: "windows" }[process.platform];
if (!os) {
  console.error(`tauri-conf: no bundles for ${process.platform}`);
  process.exit(2);
}
const readJson = (file) => JSON.parse(fs.readFileSync(file, "utf8"));

// JSON merge patch (RFC 7396), which is how Tauri applies tauri.<os>.conf.json.
const merge = (base, patch) => {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const res = base && typeof base === "object" && !Array.isArray(base) ? { ...base } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete res[k];
    else res[k] = merge(res[k], v);
  }
  return res;
};

let conf = readJson(path.join(root, "tauri.conf.json"));
const platformFile = path.join(root, `tauri.${os}.conf.json`);
if (fs.existsSync(platformFile)) conf = merge(conf, readJson(platformFile));

// Paths in the top-level config are relative to the top level; the CLI resolves them from src-tauri/.
const rel = (p) => path.relative(crate, path.join(root, p)).split(path.sep).join("/") || ".";
const mapValues = (obj, f) => obj && Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, f(v)]));
const b = (conf.bundle ??= {});
if (conf.build?.frontendDist) conf.build.frontendDist = rel(conf.build.frontendDist);
if (Array.isArray(b.icon)) b.icon = b.icon.map(rel);
if (b.licenseFile) b.licenseFile = rel(b.licenseFile);
if (Array.isArray(b.resources)) b.resources = b.resources.map(rel);
else if (b.resources) b.resources = Object.fromEntries(Object.entries(b.resources).map(([k, v]) => [rel(k), v]));
if (b.macOS?.entitlements) b.macOS.entitlements = rel(b.macOS.entitlements);
if (b.windows?.nsis?.installerIcon) b.windows.nsis.installerIcon = rel(b.windows.nsis.installerIcon);
for (const kind of ["deb", "rpm", "appimage"]) {
  const k = b.linux?.[kind];
  if (!k) continue;
  if (k.desktopTemplate) k.desktopTemplate = rel(k.desktopTemplate);
  if (k.changelog) k.changelog = rel(k.changelog);
  if (k.files) k.files = mapValues(k.files, rel);
}

const manPages = opt.man ? fs.readdirSync(opt.man).filter((f) => f.endsWith(".1.gz")).sort() : [];
if (opt.man && manPages.length === 0) {
  console.error(`tauri-conf: no *.1.gz man pages in ${opt.man}`);
  process.exit(2);
}
if (opt.cli || opt.man) {
  if (os === "linux") {
    b.linux ??= {};
    for (const kind of ["deb", "rpm", "appimage"]) {
      const k = (b.linux[kind] ??= {});
      k.files ??= {};
      if (opt.cli) k.files["/usr/bin/docspace-tfa"] = opt.cli;
      for (const page of opt.man ? manPages : []) k.files[`/usr/share/man/man1/${page}`] = path.join(opt.man, page);
    }
  } else if (opt.cli) {
    // Tauri's sidecar convention: binaries/<name>-<target triple>, installed next to the app.
    const host = execFileSync("rustc", ["-vV"], { encoding: "utf8" }).match(/^host: (\S+)$/m)?.[1];
    if (!host) {
      console.error("tauri-conf: `rustc -vV` did not name the host target");
      process.exit(2);
    }
    const ext = os === "windows" ? ".exe" : "";
    fs.mkdirSync(path.join(crate, "binaries"), { recursive: true });
    fs.copyFileSync(opt.cli, path.join(crate, "binaries", `docspace-tfa-${host}${ext}`));
    b.externalBin = ["binaries/docspace-tfa"];
  }
}

fs.writeFileSync(out, JSON.stringify(conf, null, 2) + "\n");
console.log(`tauri-conf: wrote ${path.relative(root, out)} for ${os} (productName "${conf.productName}")`);
