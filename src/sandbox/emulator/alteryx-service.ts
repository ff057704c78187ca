import fs from 'node:fs';
import path from 'node:path';
import { appendEvent } from '../events.ts';
import { knobsOf, nodeKnobs } from '../knobs-core.ts';
import { WIN } from '../layout.ts';
import { withLock } from '../lock.ts';
import { findNode, readSandboxFile, writeSandboxFile } from '../meta.ts';
import { getServiceState, requestServiceStart, requestServiceStop } from '../service.ts';
import { effectiveSetting } from '../settings-xml.ts';
import type { SandboxNode } from '../types.ts';
import { mapWindowsPath, winJoin } from '../winpath.ts';
import { mongoTime, sleep } from './common.ts';
import { dirSources, DumpFailure, dumpToDir, listCollections, restoreCollections } from './engine.ts';
import { closingLines, toolsFormat } from './tools-format.ts';

const USAGE = `AlteryxService.exe - Alteryx Server service control (sandbox emulator)
Usage: AlteryxService.exe <command>
  start                                   start the AlteryxService
  stop                                    stop the AlteryxService
  getversion                              print the server version
  getserversecret | getsecret             print the controller token
  setserversecret=<token>                 set the controller token
  getemongopassword                       print the embedded MongoDB passwords
  emongodump=<folder>                     dump the embedded MongoDB into <folder> (service must be stopped)
  emongorestore=<from>,<to>[,<batchsize>] restore a dump into the embedded MongoDB data folder <to>
`;

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** The emulated AlteryxService.exe of one node. Returns the exit code. */
export async function alteryxService(dir: string, nodeName: string, args: string[], io: Io): Promise<number> {
  const f = readSandboxFile(dir);
  const node = findNode(dir, nodeName, f);
  const k = knobsOf(f);
  const nodeKnob = nodeKnobs(k, node.name);
  const arg = args[0];
  if (arg === undefined || args.length > 1 || arg.startsWith('-') || arg === '/?') {
    io.err(USAGE);
    return 1;
  }
  const eq = arg.indexOf('=');
  const cmd = (eq >= 0 ? arg.slice(0, eq) : arg).toLowerCase();
  const value = eq >= 0 ? arg.slice(eq + 1) : undefined;
  const known = ['start', 'stop', 'getversion', 'getserversecret', 'getsecret', 'setserversecret', 'getemongopassword', 'emongodump', 'emongorestore'];
  if (
    !known.includes(cmd) ||
    ((cmd === 'setserversecret' || cmd === 'emongodump' || cmd === 'emongorestore') && !value) ||
    (!['setserversecret', 'emongodump', 'emongorestore'].includes(cmd) && value !== undefined)
  ) {
    io.err(`Unknown or incomplete command: ${cmd}\n` + USAGE);
    return 1;
  }
  if (nodeKnob?.unreachable) {
    io.err(
      `Connecting to remote server ${node.name} failed with the following error message : WinRM cannot complete the operation. ` +
        `Verify that the specified computer name is valid, that the computer is accessible over the network.\n`,
    );
    return 1;
  }
  if (cmd !== 'getversion' && !k.elevated) {
    io.err(`Access is denied. AlteryxService.exe ${cmd} must be run as Administrator.\n`);
    return 5;
  }
  appendEvent(dir, { node: node.name, kind: 'cli', tool: 'AlteryxService', command: cmd, phase: 'start' });
  const code = await run(dir, node, cmd, value, io);
  appendEvent(dir, { node: node.name, kind: 'cli', tool: 'AlteryxService', command: cmd, phase: 'end', exitCode: code });
  return code;
}

async function waitFor(dir: string, node: string, done: (s: string) => boolean): Promise<string> {
  for (;;) {
    const s = getServiceState(dir, node);
    if (done(s)) return s;
    await sleep(50);
  }
}

async function run(dir: string, node: SandboxNode, cmd: string, value: string | undefined, io: Io): Promise<number> {
  const f = readSandboxFile(dir);
  switch (cmd) {
    case 'getversion':
      io.out(`${f.version}\n`);
      return 0;
    case 'getserversecret':
    case 'getsecret':
      io.out(`${f.secrets.controllerToken}\n`);
      return 0;
    case 'setserversecret': {
      const token = (value ?? '').trim();
      withLock(dir, () => {
        const g = readSandboxFile(dir);
        g.secrets.controllerToken = token;
        writeSandboxFile(dir, g);
      });
      io.out('Server secret set.\n');
      return 0;
    }
    case 'getemongopassword': {
      if (!embeddedEnabled(dir, node)) {
        io.err('Embedded MongoDB is not enabled on this node (Controller/EmbeddedMongoDBEnabled is False).\n');
        return 1;
      }
      io.out(`Admin: ${f.secrets.mongoAdminPassword}\nNon-Admin: ${f.secrets.mongoNonAdminPassword}\n`);
      return 0;
    }
    case 'stop': {
      requestServiceStop(dir, node.name);
      await waitFor(dir, node.name, (s) => s === 'Stopped');
      return 0;
    }
    case 'start': {
      requestServiceStart(dir, node.name);
      const s = await waitFor(dir, node.name, (x) => x === 'Running' || x === 'Stopped');
      if (s !== 'Running') {
        io.err('Error starting service: The AlteryxService service terminated unexpectedly (service-specific error 1067).\n');
        return 1;
      }
      return 0;
    }
    case 'emongodump':
      return emongodump(dir, node, value as string, io);
    case 'emongorestore':
      return emongorestore(dir, node, value as string, io);
  }
  return 1;
}

function nodeFiles(dir: string, node: SandboxNode) {
  return {
    defaults: mapWindowsPath(dir, node.root, WIN.defaultsXml),
    overrides: mapWindowsPath(dir, node.root, WIN.overridesXml),
  };
}

function embeddedEnabled(dir: string, node: SandboxNode): boolean {
  const x = nodeFiles(dir, node);
  return (effectiveSetting(x.defaults, x.overrides, 'Controller', 'EmbeddedMongoDBEnabled') ?? '').toLowerCase() === 'true';
}

function embeddedRoot(dir: string, node: SandboxNode): string | undefined {
  const x = nodeFiles(dir, node);
  const p = effectiveSetting(x.defaults, x.overrides, 'Controller', 'EmbeddedMongoDBRootPath');
  return p ? mapWindowsPath(dir, node.root, p) : undefined;
}

async function emongodump(dir: string, node: SandboxNode, folderArg: string, io: Io): Promise<number> {
  const failed = (reason: string) => {
    io.out('EMongoDump failed\n');
    io.err(`${reason}\n`);
    return 1;
  };
  if (!embeddedEnabled(dir, node)) return failed('Embedded MongoDB is not enabled on this node (Controller/EmbeddedMongoDBEnabled is False).');
  const state = getServiceState(dir, node.name);
  if (state !== 'Stopped') {
    return failed(`The AlteryxService must be stopped before running emongodump (service state: ${state}).`);
  }
  const root = embeddedRoot(dir, node);
  if (!root || !fs.existsSync(root)) return failed(`The embedded MongoDB data folder ${root ?? '(EmbeddedMongoDBRootPath is empty)'} was not found.`);
  const allKnobs = knobsOf(readSandboxFile(dir));
  const knobs = allKnobs.emongodump;
  const out = mapWindowsPath(dir, node.root, folderArg);
  fs.mkdirSync(out, { recursive: true });
  if (knobs.fail === 'empty') return 0;
  const logLines: string[] = [];
  const progress = (line: string) => {
    const l = `${mongoTime()}\t${line}`;
    logLines.push(l);
    io.out(l + '\n');
  };
  const collections = listCollections(root);
  const failAt = knobs.fail === 'exit' || knobs.fail === 'text' ? Math.floor(collections.length / 2) : undefined;
  let code = 0;
  try {
    await dumpToDir(out, {
      source: root,
      collections,
      gzip: false,
      seconds: knobs.seconds,
      progress,
      display: (db, file) => winJoin(folderArg, db, file),
      format: toolsFormat(allKnobs.mongoTools.version),
      ...(failAt !== undefined ? { failAt } : {}),
      failMessage: (c) =>
        `error writing data for collection \`${c.db}.${c.coll}\` to disk: error reading from db: (NotPrimaryOrSecondary) node is not in primary or recovering state`,
    });
  } catch (err) {
    if (!(err instanceof DumpFailure)) throw err;
    const line = `${mongoTime()}\tFailed: ${err.message}`;
    logLines.push(line);
    io.out(`${line}\nEMongoDump failed\n`);
    code = knobs.fail === 'text' ? 0 : 1;
  }
  fs.writeFileSync(path.join(out, 'mongoDump.log'), logLines.join('\n') + '\n');
  return code;
}

async function emongorestore(dir: string, node: SandboxNode, value: string, io: Io): Promise<number> {
  const parts = value.split(',');
  const [fromArg, toArg, batch] = parts.map((p) => p.trim());
  if (!fromArg || !toArg || parts.length > 3 || (batch !== undefined && !/^\d+$/.test(batch))) {
    io.err('Usage: AlteryxService.exe emongorestore=<from>,<to>[,<batchsize>]\n');
    return 1;
  }
  const state = getServiceState(dir, node.name);
  if (state !== 'Stopped') {
    io.out('EMongoRestore failed\n');
    io.err(`The AlteryxService must be stopped before running emongorestore (service state: ${state}).\n`);
    return 1;
  }
  const from = mapWindowsPath(dir, node.root, fromArg);
  const to = mapWindowsPath(dir, node.root, toArg);
  const allKnobs = knobsOf(readSandboxFile(dir));
  const knobs = allKnobs.emongorestore;
  // The embedded MongoDB's tools print the format of their version (knob mongoTools.version).
  const format = toolsFormat(allKnobs.mongoTools.version);
  const lines: string[] = [];
  const log = (line: string) => {
    const l = `${mongoTime()}\t${line}`;
    lines.push(l);
    io.out(l + '\n');
  };
  // Only the databases of a server dump are restored; the log goes into the restore folder.
  const sources = dirSources(from, (rel) => winJoin(fromArg, ...rel.split('/')));
  const r = await restoreCollections(sources, {
    target: to,
    drop: true,
    log,
    fault: knobs.fail,
    seconds: knobs.seconds,
    format,
  });
  if (r.error) log(`Failed: ${r.error}`);
  for (const l of closingLines(format, r)) log(l);
  fs.mkdirSync(from, { recursive: true });
  // Knob emongorestore.logEncoding: utf16le is what Windows PowerShell 5.1 redirection writes (BOM, CRLF).
  // The tools themselves end lines with LF; PowerShell's redirection rewrites them with CRLF.
  const utf16 = knobs.logEncoding === 'utf16le';
  const text = lines.join(utf16 ? '\r\n' : '\n') + (utf16 ? '\r\n' : '\n');
  fs.writeFileSync(path.join(from, 'mongoRestore.log'), utf16 ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]) : text);
  if (r.error && knobs.fail !== 'text') {
    io.out('EMongoRestore failed\n');
    return 1;
  }
  return 0;
}
