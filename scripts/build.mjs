// Bundles the TypeScript core into the PowerShell module folder so that the module runs without node_modules.
// Outputs (git-ignored, rebuilt by `npm ci` through `prepare`, by `npm run build` and by `npm test`):
//   module/AlteryxBackup/lib/alteryx-backup.mjs    the CLI and core
//   module/AlteryxBackup/lib/sandbox-emulator.mjs  the emulated AlteryxService.exe / mongodump / mongorestore
//   module/AlteryxBackup/lib/chunks/*.mjs          code the two share, and what they load only when needed (the
//                                                  cloud SDKs, the MongoDB driver, nodemailer): a run that uses
//                                                  none of them neither parses nor keeps them (startup, memory)
//   module/AlteryxBackup/config/*.json             the shipped configuration files
// --metafile DIR also writes esbuild's metafile to DIR/bundle.meta.json (the release's third-party notices are made
// from it: scripts/release.mjs).
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const moduleDir = join(root, 'module', 'AlteryxBackup');
const lib = join(moduleDir, 'lib');
const chunks = join(lib, 'chunks');

const entries = Object.fromEntries(
  [
    ['alteryx-backup', 'src/cli/main.ts'],
    ['sandbox-emulator', 'src/sandbox/emulator/main.ts'],
  ]
    .filter(([, src]) => existsSync(join(root, src)))
    .map(([name, src]) => [name, join(root, src)]),
);

/** esbuild's options for the module's bundles into `outdir` (also used by test/bundle.test.ts, with write: false). */
export function bundleOptions(outdir = lib) {
  return {
    entryPoints: entries,
    outdir,
    outExtension: { '.js': '.mjs' },
    // Dynamic imports become chunks of their own, loaded on first use; code both entries use is one shared chunk.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    // CommonJS dependencies inside an ESM bundle still call require() for Node built-ins.
    banner: { js: "import { createRequire as __abCreateRequire } from 'node:module'; const require = __abCreateRequire(import.meta.url);" },
    // edge-js is native and optional: loaded lazily on Windows when present, never bundled.
    external: ['edge-js'],
    logLevel: 'warning',
    legalComments: 'none',
    metafile: true,
  };
}

async function main() {
  mkdirSync(lib, { recursive: true });
  const metaAt = process.argv.indexOf('--metafile');
  const metaDir = metaAt > 0 ? process.argv[metaAt + 1] : undefined;
  const started = Date.now();
  const result = await build(bundleOptions());
  // Chunks of earlier builds (their names carry a content hash) are removed: the module folder holds this build only.
  const made = new Set(Object.keys(result.metafile.outputs).map((o) => basename(o)));
  for (const f of existsSync(chunks) ? readdirSync(chunks) : []) if (!made.has(f)) rmSync(join(chunks, f), { force: true });
  if (metaDir) {
    mkdirSync(metaDir, { recursive: true });
    writeFileSync(join(metaDir, 'bundle.meta.json'), JSON.stringify(result.metafile));
  }
  const configOut = join(moduleDir, 'config');
  mkdirSync(configOut, { recursive: true });
  for (const f of readdirSync(join(root, 'config'))) {
    if (f.endsWith('.json')) cpSync(join(root, 'config', f), join(configOut, f));
  }
  if (!process.argv.includes('--quiet')) {
    console.log(
      `built ${Object.keys(entries)
        .map((e) => `lib/${e}.mjs`)
        .join(', ')} and ${made.size - 2 * Object.keys(entries).length} files in lib/chunks in ${Date.now() - started} ms`,
    );
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
