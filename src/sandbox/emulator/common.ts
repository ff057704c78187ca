import fs from 'node:fs';
import zlib from 'node:zlib';
import type { Writable } from 'node:stream';
import { once } from 'node:events';

/** mongodump's log timestamp: 2026-01-13T02:00:00.123+0000 */
export function mongoTime(d = new Date()): string {
  return d.toISOString().replace('Z', '+0000');
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A write target, plain or gzip, with backpressure. */
export interface Sink {
  write(buf: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

async function writeTo(stream: Writable, buf: Uint8Array): Promise<void> {
  if (!stream.write(buf)) await once(stream, 'drain');
}

export function fileSink(file: string, gzip: boolean): Sink {
  const out = fs.createWriteStream(file);
  return streamSink(out, gzip, true);
}

export function streamSink(out: Writable, gzip: boolean, closeOut: boolean): Sink {
  const z = gzip ? zlib.createGzip() : undefined;
  if (z) z.pipe(out, { end: closeOut });
  const head: Writable = z ?? out;
  return {
    write: (buf) => writeTo(head, buf),
    close: async () => {
      if (z) {
        const done = closeOut ? once(out, 'close') : once(z, 'end');
        z.end();
        await done;
      } else if (closeOut) {
        const done = once(out, 'close');
        out.end();
        await done;
      }
    },
  };
}

/** Parses `--name=value`, `--name value`, `-x value` options. `flags` take no value; `optional` only with `=`. */
export interface ParsedArgs {
  opts: Map<string, string[]>;
  positional: string[];
  error?: string;
}

export function parseArgs(args: string[], spec: { valued: string[]; flags: string[]; optional: string[]; aliases: Record<string, string> }): ParsedArgs {
  const opts = new Map<string, string[]>();
  const positional: string[] = [];
  const add = (k: string, v: string) => opts.set(k, [...(opts.get(k) ?? []), v]);
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (!a.startsWith('-') || a === '-') {
      positional.push(a);
      continue;
    }
    let name: string;
    let value: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      value = eq >= 0 ? a.slice(eq + 1) : undefined;
    } else {
      name = a.slice(1, 2);
      value = a.length > 2 ? a.slice(2).replace(/^=/, '') : undefined;
    }
    name = spec.aliases[name] ?? name;
    if (spec.flags.includes(name)) {
      add(name, value ?? 'true');
    } else if (spec.optional.includes(name)) {
      add(name, value ?? '');
    } else if (spec.valued.includes(name)) {
      if (value === undefined) {
        value = args[++i];
        if (value === undefined) return { opts, positional, error: `expected argument for flag \`--${name}'` };
      }
      add(name, value);
    } else {
      return { opts, positional, error: `unknown option "${name}"` };
    }
  }
  return { opts, positional };
}

export function last(p: ParsedArgs, name: string): string | undefined {
  const v = p.opts.get(name);
  return v ? v[v.length - 1] : undefined;
}
