// Writes config/backup-config.schema.json and config/backup-config.json (every default, explicit) from the
// zod schema, the single source of truth. Tests fail when either committed file differs from this output.
// Run after any change to src/config/schema.ts:  npm run gen:schema
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigSchema, configJsonSchema } from '../src/config/schema.ts';

export function schemaText(): string {
  return JSON.stringify(configJsonSchema(), null, 2) + '\n';
}

export function defaultsText(): string {
  return JSON.stringify({ $schema: './backup-config.schema.json', ...ConfigSchema.parse({}) }, null, 2) + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [name, text] of [
    ['backup-config.schema.json', schemaText()],
    ['backup-config.json', defaultsText()],
  ] as const) {
    const out = fileURLToPath(new URL(`../config/${name}`, import.meta.url));
    writeFileSync(out, text);
    console.log(`wrote ${out}`);
  }
}
