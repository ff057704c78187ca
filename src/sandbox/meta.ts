import fs from 'node:fs';
import path from 'node:path';
import { BackupError, ExitCode } from '../core/errors.ts';
import { writeFileAtomic } from './lock.ts';
import type { SandboxFile, SandboxInfo, SandboxNode } from './types.ts';

export const SANDBOX_FILE = 'sandbox.json';

export function sandboxFilePath(dir: string): string {
  return path.join(path.resolve(dir), SANDBOX_FILE);
}

export function isSandbox(dir: string): boolean {
  return fs.existsSync(sandboxFilePath(dir));
}

export function readSandboxFile(dir: string): SandboxFile {
  const file = sandboxFilePath(dir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new BackupError(
      ExitCode.Validation,
      `${path.resolve(dir)} is not an Alteryx sandbox (no ${SANDBOX_FILE}).`,
      'Create one with `alteryx-backup sandbox create DIR`, or check the sandbox path.',
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new BackupError(ExitCode.Validation, `${file} is not valid JSON (${(err as Error).message}).`, 'Recreate the sandbox with --force.');
  }
  const d = data as Partial<SandboxFile>;
  if (d?.format !== 'alteryx-backup-sandbox' || d.formatVersion !== 1 || !Array.isArray(d.nodes)) {
    throw new BackupError(
      ExitCode.Validation,
      `${path.resolve(dir)} is not an Alteryx sandbox of a known format (${file}).`,
      'Recreate the sandbox with `alteryx-backup sandbox create DIR --force`.',
    );
  }
  return data as SandboxFile;
}

export function writeSandboxFile(dir: string, data: SandboxFile): void {
  writeFileAtomic(sandboxFilePath(dir), JSON.stringify(data, null, 2) + '\n');
}

export function infoOf(dir: string, f: SandboxFile): SandboxInfo {
  const abs = path.resolve(dir);
  return {
    path: abs,
    topology: f.topology,
    mongo: f.mongo,
    version: f.version,
    nodes: f.nodes.map((n) => ({ name: n.name, role: n.role, root: path.resolve(abs, n.root) })),
  };
}

/** Opens an existing sandbox; throws BackupError(Validation) naming the folder if it is not one. */
export function openSandbox(dir: string): SandboxInfo {
  return infoOf(dir, readSandboxFile(dir));
}

/** The node of that name (host names compare case-insensitively, as on Windows). */
export function findNode(dir: string, node: string, f: SandboxFile = readSandboxFile(dir)): SandboxNode {
  const info = infoOf(dir, f);
  const n = info.nodes.find((x) => x.name.toLowerCase() === node.toLowerCase());
  if (!n) {
    throw new BackupError(ExitCode.Validation, `The sandbox ${info.path} has no node "${node}" (nodes: ${info.nodes.map((x) => x.name).join(', ')}).`);
  }
  return n;
}

export function controllerNode(info: SandboxInfo): SandboxNode {
  return info.nodes.find((n) => n.role === 'controller') ?? (info.nodes[0] as SandboxNode);
}

/** '2023.1.1.281' → [2023, 1]. */
export function versionKey(version: string): [number, number] {
  const m = /^(\d{4})\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

export function versionAtLeast(version: string, year: number, minor: number): boolean {
  const [y, n] = versionKey(version);
  return y > year || (y === year && n >= minor);
}
