// Writes config/backup-config.schema.json from the zod schema (the single source of truth).
// A test fails when the committed file differs from what this produces.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from '../src/config/schema.ts';

export function schemaText(): string {
  return JSON.stringify(configJsonSchema(), null, 2) + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = fileURLToPath(new URL('../config/backup-config.schema.json', import.meta.url));
  writeFileSync(out, schemaText());
  console.log(`wrote ${out}`);
}
