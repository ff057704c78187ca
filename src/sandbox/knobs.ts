import type { z } from 'zod';
import { BackupError, ExitCode } from '../core/errors.ts';
import { withLock } from './lock.ts';
import { readSandboxFile, writeSandboxFile, infoOf } from './meta.ts';
import { normalizeDestinationKey } from './knobs-core.ts';
import type { SandboxFile } from './types.ts';
import { knobsSchema, type Knobs } from './knobs-schema.ts';
import { endSandboxWorkflows, endWorkflowProcesses, startWorkflowProcess, type WorkflowRecord } from './workflow-procs.ts';

export type { DestinationFault, Knobs, ServiceKnobs } from './knobs-schema.ts';

/** The knobs with their defaults applied, validated (a hand-edited sandbox.json is checked here). */
export function readKnobs(dir: string): Knobs {
  return parseKnobs(readSandboxFile(dir));
}

function parseKnobs(f: SandboxFile): Knobs {
  const r = knobsSchema.safeParse(f.knobs ?? {});
  if (!r.success) {
    throw new BackupError(
      ExitCode.Validation,
      `The knobs in sandbox.json are invalid: ${formatIssues(r.error)}`,
      'Fix them with `alteryx-backup sandbox set`.',
    );
  }
  return r.data;
}

function formatIssues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`).join('; ');
}

function parseValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

const DEST_FIELDS = ['offline', 'failTimes', 'slowMBps', 'freeBytes'];

/** Turns a dotted knob key into a path of object keys (destinations and drive letters are special). */
function keyPath(key: string): string[] {
  if (key.startsWith('destinations.')) {
    const rest = key.slice('destinations.'.length);
    const dot = rest.lastIndexOf('.');
    const field = dot >= 0 ? rest.slice(dot + 1) : '';
    if (DEST_FIELDS.includes(field)) return ['destinations', normalizeDestinationKey(rest.slice(0, dot)), field];
    return ['destinations', normalizeDestinationKey(rest)];
  }
  const parts = key.split('.');
  if (parts[0] === 'disk' && parts[1] === 'freeBytes' && parts.length === 3) {
    parts[2] = (parts[2] ?? '').replace(/:$/, '').toUpperCase();
  }
  return parts;
}

/**
 * Sets one knob: `key` is dotted (`service.stopSeconds`, `disk.freeBytes.D`, `nodes.ALTERYX-WKR1.unreachable`,
 * `destinations.\\nas\backups.failTimes`), `value` is parsed as JSON when it parses (else taken as a string);
 * `null` removes the knob (back to its default). `workflows` takes a list of `{name, node?, remainingSeconds}`
 * (or `endsAt`): the processes of the list it replaces are ended, and each new workflow is a real emulated
 * AlteryxEngineCmd.exe process started detached, stored with its absolute `endsAt` and its real pid.
 * Throws BackupError(Validation) naming the key.
 */
export function setKnob(dir: string, key: string, value: string): void {
  const parsed = parseValue(value);
  withLock(dir, () => {
    const f = readSandboxFile(dir);
    const raw = structuredClone(f.knobs ?? {}) as Record<string, unknown>;
    const fail = (msg: string): never => {
      throw new BackupError(ExitCode.Validation, `Invalid sandbox knob ${key}=${value}: ${msg}`, 'See docs/sandbox.md for the knobs and their values.');
    };
    const parts = keyPath(key);
    if (parts.some((p) => p === '') || parts.some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype')) {
      fail('not a knob name');
    }
    let v: unknown = parsed;
    if (parts[0] === 'workflows') {
      if (parts.length !== 1) fail('set the whole list: workflows=[{"name":"...","remainingSeconds":60}]');
      const list = parsed === null ? [] : toWorkflowRecords(f, parsed, fail);
      // The whole list is replaced: its old processes end; the new ones start once the list is valid.
      endSandboxWorkflows(dir);
      v = parsed === null ? null : startWorkflows(dir, list);
    }
    let obj = raw;
    for (let i = 0; i < parts.length - 1; i++) {
      const k = parts[i] as string;
      const next = obj[k];
      if (next === undefined || next === null) obj[k] = {};
      else if (typeof next !== 'object' || Array.isArray(next)) fail(`${parts.slice(0, i + 1).join('.')} is not a group of knobs`);
      obj = obj[k] as Record<string, unknown>;
    }
    const last = parts[parts.length - 1] as string;
    if (v === null) delete obj[last];
    else obj[last] = v;
    try {
      const r = knobsSchema.safeParse(raw);
      if (!r.success) fail(formatIssues(r.error));
      const info = infoOf(dir, f);
      const names = info.nodes.map((n) => n.name.toLowerCase());
      for (const n of Object.keys((raw['nodes'] as Record<string, unknown> | undefined) ?? {})) {
        if (!names.includes(n.toLowerCase())) fail(`no node "${n}" in this sandbox (nodes: ${info.nodes.map((x) => x.name).join(', ')})`);
      }
      f.knobs = raw;
      writeSandboxFile(dir, f);
    } catch (e) {
      // Not stored: the processes just started must not run on unrecorded.
      if (parts[0] === 'workflows' && Array.isArray(v)) endWorkflowProcesses(v as WorkflowRecord[]);
      throw e;
    }
  });
}

/** Starts one emulated AlteryxEngineCmd.exe per workflow; when one cannot start, ends those already started. */
function startWorkflows(dir: string, list: { name: string; node: string; endsAt: string }[]): WorkflowRecord[] {
  const started: WorkflowRecord[] = [];
  try {
    for (const w of list) started.push({ ...w, pid: startWorkflowProcess(dir, w.node, w.name, w.endsAt) });
  } catch (e) {
    endWorkflowProcesses(started);
    throw e;
  }
  return started;
}

function toWorkflowRecords(f: SandboxFile, parsed: unknown, fail: (m: string) => never): { name: string; node: string; endsAt: string }[] {
  const list = Array.isArray(parsed) ? parsed : [parsed];
  const info = infoOf('.', f);
  const defaultNode = (info.nodes.find((n) => n.role === 'worker') ?? info.nodes.find((n) => n.role === 'controller') ?? info.nodes[0])?.name;
  const now = Date.now();
  return list.map((w, i) => {
    if (!w || typeof w !== 'object') fail(`workflows[${i}] must be an object {name, node?, remainingSeconds}`);
    const o = w as Record<string, unknown>;
    if (typeof o['name'] !== 'string' || !o['name']) fail(`workflows[${i}].name must be a non-empty string`);
    let node = o['node'] ?? defaultNode;
    if (typeof node !== 'string') fail(`workflows[${i}].node must be a node name`);
    const match = info.nodes.find((n) => n.name.toLowerCase() === String(node).toLowerCase());
    if (!match) fail(`workflows[${i}].node: no node "${String(node)}" in this sandbox`);
    node = match!.name;
    let endsAt: string;
    if (typeof o['endsAt'] === 'string') {
      const t = Date.parse(o['endsAt']);
      if (Number.isNaN(t)) fail(`workflows[${i}].endsAt must be an ISO date-time`);
      endsAt = new Date(t).toISOString();
    } else {
      const rs = o['remainingSeconds'];
      if (typeof rs !== 'number' || !Number.isFinite(rs) || rs < 0) fail(`workflows[${i}].remainingSeconds must be a number >= 0`);
      endsAt = new Date(now + (rs as number) * 1000).toISOString();
    }
    return { name: o['name'] as string, node: node as string, endsAt };
  });
}

/**
 * The knobs that describe the server's tools rather than a fault (mongoTools.*, emongorestore.logEncoding),
 * copied from one sandbox to another: a drill's scratch server runs the same tools as the live one.
 */
export function copyToolKnobs(from: string, to: string): void {
  const k = readKnobs(from);
  setKnob(to, 'mongoTools.version', JSON.stringify(k.mongoTools.version));
  if (k.emongorestore.logEncoding !== 'utf8') setKnob(to, 'emongorestore.logEncoding', JSON.stringify(k.emongorestore.logEncoding));
}
