// `wasm-opt -Oz --low-memory-unused --strip-producers --strip-target-features` for every .wasm
// file of a folder (the app's and the designer's bundle), with binaryen from npm: Debian's
// binaryen 108 breaks hydration. The two custom sections dropped are only metadata; Rust
// never uses the first KiB of memory.
//   node optimize-wasm.mjs <folder>
import binaryen from 'binaryen';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const folder = process.argv[2];
const { Features } = binaryen;
const features = Features.MVP | Features.BulkMemory | Features.BulkMemoryOpt | Features.NontrappingFPToInt | Features.SignExt
  | Features.MutableGlobals | Features.ReferenceTypes;
binaryen.setOptimizeLevel(2);
binaryen.setShrinkLevel(2);
binaryen.setDebugInfo(false);
binaryen.setLowMemoryUnused(true);
let before = 0;
let after = 0;
for (const name of readdirSync(folder).filter((file) => file.endsWith('.wasm'))) {
  const path = join(folder, name);
  const input = readFileSync(path);
  const module = binaryen.readBinary(input);
  module.setFeatures(features);
  module.optimize();
  module.runPasses(['strip-producers', 'strip-target-features']);
  const output = module.emitBinary();
  module.dispose();
  writeFileSync(path, output);
  before += input.length;
  after += output.length;
}
console.log(`optimised ${folder}: ${before} → ${after} bytes`);
