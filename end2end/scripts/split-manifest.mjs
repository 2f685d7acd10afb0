// Writes `__wasm_split_manifest.json` for a folder that `wasm-split-cli` filled: for every
// lazily loaded function (the key Leptos' `#[lazy]` registers while rendering on the server),
// the wasm files its chunk loader fetches. The server adds a preload link for each to the
// page's head, so the browser fetches a page's chunks alongside the shell, not after it.
//   node split-manifest.mjs <folder>
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const folder = process.argv[2];
const loader = readFileSync(join(folder, '__wasm_split.js'), 'utf8');
// Each loader is `<name> = [wrapAsyncCb(]makeLoad(() => { … fetch(new URL("./<file>.wasm" … }, [<deps>])`.
const pattern = /(?:export )?const (\w+) = (?:wrapAsyncCb\()?makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/([\w.]+)\.wasm"[^]*?\n, \[([^\]]*)\]/g;
const loaders = new Map();
for (const [, name, file, deps] of loader.matchAll(pattern)) {
  loaders.set(name, { file, deps: deps.split(',').map((dep) => dep.trim()).filter(Boolean) });
}
const filesOf = (name, seen = new Set()) => {
  const { file, deps } = loaders.get(name);
  seen.add(file);
  for (const dep of deps) filesOf(dep, seen);
  return seen;
};
const manifest = {};
for (const name of loaders.keys()) {
  const lazy = name.match(/^__wasm_split_load_(\w+)$/)?.[1];
  if (lazy) manifest[lazy] = [...filesOf(name)];
}
if (Object.keys(manifest).length === 0) {
  console.error('split-manifest: no lazily loaded function found in __wasm_split.js');
  process.exit(1);
}
writeFileSync(join(folder, '__wasm_split_manifest.json'), JSON.stringify(manifest));
