#!/usr/bin/env node
// `npx alteryx-backup ...` in the repository: runs the bundled core (built by `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bundle = fileURLToPath(new URL('../module/AlteryxBackup/lib/alteryx-backup.mjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write(`alteryx-backup: the core is not built (${bundle} is missing). Run: npm run build\n`);
  process.exit(1);
}
await import(pathToFileURL(bundle).href);
