// Bundles the TypeScript core into the PowerShell module folder so that the module runs without node_modules.
// Outputs (git-ignored, rebuilt by `npm ci` through `prepare`, by `npm run build` and by `npm test`):
//   module/AlteryxBackup/lib/alteryx-backup.mjs    the CLI and core
//   module/AlteryxBackup/lib/sandbox-emulator.mjs  the emulated AlteryxService.exe / mongodump / mongorestore
//   module/AlteryxBackup/config/*.json             the shipped configuration files
// --metafile DIR also writes esbuild's metafile of each bundle to DIR/<bundle>.meta.json (the release's
// third-party notices are made from them: scripts/release.mjs).
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const moduleDir = join(root, 'module', 'AlteryxBackup');
const lib = join(moduleDir, 'lib');
mkdirSync(lib, { recursive: true });

const entries = [
  ['src/cli/main.ts', 'alteryx-backup.mjs'],
  ['src/sandbox/emulator/main.ts', 'sandbox-emulator.mjs'],
].filter(([src]) => existsSync(join(root, src)));

const metaAt = process.argv.indexOf('--metafile');
const metaDir = metaAt > 0 ? process.argv[metaAt + 1] : undefined;
const started = Date.now();
await Promise.all(
  entries.map(async ([src, out]) => {
    const result = await build({
      entryPoints: [join(root, src)],
      outfile: join(lib, out),
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
      metafile: Boolean(metaDir),
    });
    if (metaDir) {
      mkdirSync(metaDir, { recursive: true });
      writeFileSync(join(metaDir, `${out}.meta.json`), JSON.stringify(result.metafile));
    }
  }),
);

const configOut = join(moduleDir, 'config');
mkdirSync(configOut, { recursive: true });
for (const f of readdirSync(join(root, 'config'))) {
  if (f.endsWith('.json')) cpSync(join(root, 'config', f), join(configOut, f));
}
if (!process.argv.includes('--quiet')) {
  console.log(`built ${entries.map(([, o]) => 'lib/' + o).join(', ')} in ${Date.now() - started} ms`);
}
