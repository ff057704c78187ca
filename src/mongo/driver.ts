import type * as MongoDriver from 'mongodb';

/**
 * The MongoDB driver, loaded on first use: a run against embedded MongoDB never loads it (startup time and
 * memory; test/bundle.test.ts). The package is CommonJS: in the bundle its exports arrive as the default export
 * of its chunk, under Node's own loader as named exports too; either way the exports object is returned.
 */
export async function loadMongoDriver(): Promise<typeof MongoDriver> {
  const m = (await import('mongodb')) as typeof MongoDriver & { default?: typeof MongoDriver };
  return m.default ?? m;
}
