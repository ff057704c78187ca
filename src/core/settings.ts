import { promises as fsp } from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { BackupError, ExitCode } from './errors.ts';
import { decodeText } from '../util/text.ts';

const MAX_SETTINGS_BYTES = 16 * 1024 * 1024;
const MAX_SETTINGS_DEPTH = 64;

/** The deepest element nesting, by a linear scan of the tags (no recursion, so no stack to overflow). */
function elementDepth(xml: string, limit: number): number {
  let depth = 0;
  let max = 0;
  const re = /<(\/?)[A-Za-z_][^>]*?(\/?)>|<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    if (m[0].startsWith('<!') || m[0].startsWith('<?')) continue;
    if (m[1]) depth--;
    else if (!m[2]) {
      depth++;
      if (depth > max) max = depth;
      if (max > limit) return max;
    }
  }
  return max;
}

type Section = Record<string, unknown>;
type Tree = Record<string, Section>;

/** One RuntimeSettings.xml file, parsed. Malformed XML is a validation failure naming the file and line. */
export function parseRuntimeSettings(xml: string, file: string): Tree {
  const hint = 'Restore the file from a backup or repair it; Alteryx Server cannot read it either.';
  if (xml.length > MAX_SETTINGS_BYTES)
    throw new BackupError(
      ExitCode.Validation,
      `${file} is ${xml.length} characters long, more than a RuntimeSettings.xml can be (${MAX_SETTINGS_BYTES}).`,
      hint,
    );
  // Alteryx never writes a DTD. A <!DOCTYPE> (an internal subset, entities, an external entity) is refused
  // before any parser sees it: no XXE, no entity-expansion bomb, wherever in the file it sits.
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) {
    throw new BackupError(
      ExitCode.Validation,
      `${file} holds a <!DOCTYPE> or <!ENTITY> declaration; Alteryx never writes one, and the file is refused (XML entities can read other files or expand without bound).`,
      'Remove the DOCTYPE/ENTITY declaration, or restore the file from a backup.',
    );
  }
  const depth = elementDepth(xml, MAX_SETTINGS_DEPTH);
  if (depth > MAX_SETTINGS_DEPTH)
    throw new BackupError(
      ExitCode.Validation,
      `${file} nests elements more than ${MAX_SETTINGS_DEPTH} levels deep; a RuntimeSettings.xml is 4 levels deep.`,
      hint,
    );
  try {
    return parseChecked(xml, file, hint);
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError(ExitCode.Validation, `${file} cannot be parsed as XML: ${(err as Error).message}.`, hint);
  }
}

function parseChecked(xml: string, file: string, hint: string): Tree {
  const check = XMLValidator.validate(xml);
  if (check !== true) {
    throw new BackupError(ExitCode.Validation, `${file} is not valid XML (line ${check.err.line}, column ${check.err.col}: ${check.err.msg}).`, hint);
  }
  const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });
  const doc = parser.parse(xml) as Record<string, unknown>;
  const root = doc['SystemSettings'];
  if (root === undefined) {
    throw new BackupError(ExitCode.Validation, `${file} has no <SystemSettings> root element.`, 'Check that this is an Alteryx RuntimeSettings.xml file.');
  }
  return (typeof root === 'object' && root !== null ? root : {}) as Tree;
}

/**
 * Reads and parses one RuntimeSettings.xml (`local` path, `configured` for messages). A missing file is
 * undefined (the other file, or the defaults, apply); a file that exists but cannot be read, or is not valid
 * XML, is a validation failure naming it (exit 3), never a crash.
 */
export async function readRuntimeSettings(local: string, configured: string): Promise<Tree | undefined> {
  let buf: Buffer;
  try {
    buf = await fsp.readFile(local);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return undefined;
    throw new BackupError(
      ExitCode.Validation,
      `${configured} cannot be read (${e.code ?? e.message}).`,
      'Run the backup as Administrator (or as the service account) and check the permissions of the file.',
    );
  }
  return parseRuntimeSettings(decodeText(buf, configured), configured);
}

/** Where a value came from, for the log (REQ-7.2.3). */
export interface SettingValue {
  value: string;
  from: 'overrides' | 'defaults';
  element: string;
}

/** The effective settings: the overrides file where it has the element, else the defaults file. */
export class EffectiveSettings {
  constructor(
    private readonly overrides: Tree | undefined,
    private readonly defaults: Tree | undefined,
  ) {}

  get(section: string, key: string): SettingValue | undefined {
    const element = `${section}/${key}`;
    const o = pick(this.overrides, section, key);
    if (o !== undefined) return { value: o, from: 'overrides', element };
    const d = pick(this.defaults, section, key);
    if (d !== undefined) return { value: d, from: 'defaults', element };
    return undefined;
  }

  value(section: string, key: string): string | undefined {
    return this.get(section, key)?.value;
  }

  flag(section: string, key: string): boolean {
    return /^true$/i.test(this.value(section, key) ?? '');
  }

  /** Any nested element, e.g. ['Persistence', 'Mongo', 'ConnectionString']. */
  nested(path: string[]): SettingValue | undefined {
    for (const [tree, from] of [
      [this.overrides, 'overrides'],
      [this.defaults, 'defaults'],
    ] as const) {
      let cur: unknown = tree;
      for (const p of path) cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[p] : undefined;
      if (typeof cur === 'string' && cur.length > 0) return { value: cur, from, element: path.join('/') };
    }
    return undefined;
  }
}

function pick(tree: Tree | undefined, section: string, key: string): string | undefined {
  const s = tree?.[section];
  if (typeof s !== 'object' || s === null) return undefined;
  const v = (s as Record<string, unknown>)[key];
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : String(v);
}
