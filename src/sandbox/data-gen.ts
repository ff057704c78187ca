import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, randomFillSync } from 'node:crypto';
import { BSON, Binary, ObjectId, Long } from 'bson';
import { BufferedFileWriter } from './bson-io.ts';

/** The databases of an Alteryx Server MongoDB and the collections the sandbox fills (share of the size). */
export const COLLECTIONS: { db: string; coll: string; share: number }[] = [
  { db: 'AlteryxGallery', coll: 'apps', share: 0.08 },
  { db: 'AlteryxGallery', coll: 'users', share: 0.03 },
  { db: 'AlteryxGallery', coll: 'collections', share: 0.02 },
  { db: 'AlteryxGallery', coll: 'subscriptions', share: 0.02 },
  { db: 'AlteryxGallery', coll: 'auditEvents', share: 0.09 },
  { db: 'AlteryxGallery_Lucene', coll: 'fs.files', share: 0.01 },
  { db: 'AlteryxGallery_Lucene', coll: 'fs.chunks', share: 0.07 },
  { db: 'AlteryxService', coll: 'AS_Applications', share: 0.4 },
  { db: 'AlteryxService', coll: 'AS_Queue', share: 0.08 },
  { db: 'AlteryxService', coll: 'AS_Results', share: 0.16 },
  { db: 'AlteryxService', coll: 'AS_Schedules', share: 0.04 },
];

export const DATABASES = ['AlteryxGallery', 'AlteryxGallery_Lucene', 'AlteryxService'];

// mulberry32: fast, good enough for fake data
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'sales forecast region quarterly revenue customer churn model inventory supply chain marketing campaign ' +
  'finance ledger reconcile payroll extract transform load daily weekly monthly report dashboard spatial ' +
  'match address geocode retail store cluster predictive regression score input output join union filter ' +
  'summarize formula sample select browse tableau snowflake oracle sqlserver teradata azure blob s3 api ' +
  'north south east west emea apac amer product margin cost budget variance audit compliance risk'
).split(' ');
const FIRST = ['Anna', 'Ben', 'Chen', 'Dana', 'Eli', 'Fatima', 'Gus', 'Hana', 'Ivan', 'Jo', 'Kofi', 'Lena', 'Marco', 'Nora', 'Omar', 'Priya'];
const LAST = ['Smith', 'Garcia', 'Nguyen', 'Müller', 'Rossi', 'Kowalski', 'Okafor', 'Tanaka', 'Dubois', 'Larsen', 'Silva', 'Cohen'];

class Gen {
  readonly rnd: () => number;
  private slab: string;
  private xmlSlab: Buffer;
  constructor(seed: number) {
    this.rnd = prng(seed);
    const parts: string[] = [];
    for (let i = 0; i < 4000; i++) parts.push(this.word());
    this.slab = parts.join(' ');
    const xml: string[] = ['<?xml version="1.0"?><AlteryxDocument yxmdVer="2023.1"><Nodes>'];
    for (let i = 0; i < 600; i++) {
      xml.push(
        `<Node ToolID="${i + 1}"><GuiSettings Plugin="AlteryxBasePluginsGui.${this.pick(['Filter', 'Formula', 'Join', 'Summarize', 'Sort'])}.${this.pick(['Filter', 'Formula', 'Join', 'Summarize', 'Sort'])}"><Position x="${this.int(900)}" y="${this.int(600)}" /></GuiSettings><Properties><Configuration><Expression>[${this.word()}] &gt; ${this.int(1000)}</Expression></Configuration><Annotation DisplayMode="0"><Name>${this.word()} ${this.word()}</Name></Annotation></Properties></Node>`,
      );
    }
    xml.push('</Nodes></AlteryxDocument>');
    this.xmlSlab = Buffer.from(xml.join(''));
  }
  int(n: number): number {
    return Math.floor(this.rnd() * n);
  }
  pick<T>(a: T[]): T {
    return a[this.int(a.length)] as T;
  }
  word(): string {
    return this.pick(WORDS);
  }
  words(n: number): string {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.word());
    return out.join(' ');
  }
  text(len: number): string {
    const start = this.int(Math.max(1, this.slab.length - len));
    return this.slab.slice(start, start + len);
  }
  date(daysBack = 700): Date {
    return new Date(Date.now() - this.int(daysBack * 86400) * 1000);
  }
  hex(n: number): string {
    return randomBytes(Math.ceil(n / 2))
      .toString('hex')
      .slice(0, n);
  }
  /** A package-like payload: a zip-like mix of incompressible bytes and workflow XML. */
  payload(len: number): Binary {
    const buf = Buffer.allocUnsafe(len);
    const random = Math.floor(len * 0.55);
    randomFillSync(buf, 0, random);
    let pos = random;
    while (pos < len) {
      const start = this.int(this.xmlSlab.length - 1);
      pos += this.xmlSlab.copy(buf, pos, start, Math.min(this.xmlSlab.length, start + (len - pos)));
    }
    return new Binary(buf);
  }
}

interface Ctx {
  users: ObjectId[];
  apps: ObjectId[];
  payloadSize: number;
  i: number;
}

/** One generated document of a collection; the same sequence of random draws per collection as always. */
function makeDoc(g: Gen, db: string, coll: string, c: Ctx): Record<string, unknown> {
  const _id = new ObjectId();
  const key = `${db}.${coll}`;
  return db === 'AlteryxGallery' ? galleryDoc(g, key, c, _id) : serviceDoc(g, key, c, _id);
}

function galleryDoc(g: Gen, key: string, c: Ctx, _id: ObjectId): Record<string, unknown> {
  const user = () => g.pick(c.users);
  const app = () => g.pick(c.apps);
  switch (key) {
    case 'AlteryxGallery.apps':
      return {
        _id,
        name: `${g.words(3)} ${c.i}`,
        description: g.text(200 + g.int(600)),
        ownerId: user(),
        isPublic: g.rnd() < 0.3,
        isChained: g.rnd() < 0.1,
        tags: [g.word(), g.word()],
        version: 1 + g.int(20),
        runCount: g.int(5000),
        packageInfo: { fileName: `${g.word()}_${c.i}.yxzp`, size: g.int(10_000_000) },
        workerTag: g.rnd() < 0.2 ? 'heavy' : '',
        dateCreated: g.date(),
        lastModified: g.date(90),
      };
    case 'AlteryxGallery.users': {
      const first = g.pick(FIRST);
      const last = g.pick(LAST);
      return {
        _id,
        email: `${first}.${last}${c.i}@example.com`.toLowerCase(),
        firstName: first,
        lastName: last,
        role: g.pick(['Viewer', 'Member', 'Artisan', 'Curator']),
        isActive: g.rnd() < 0.9,
        apiKey: g.hex(32),
        apiSecretEncrypted: g.hex(64),
        defaultCredentialId: null,
        timeZone: 'UTC',
        dateCreated: g.date(),
        lastLogin: g.date(30),
      };
    }
    case 'AlteryxGallery.collections':
      return {
        _id,
        name: `${g.words(2)} collection ${c.i}`,
        ownerId: user(),
        members: [user(), user(), user()].map((u) => ({ userId: u, canAddAssets: g.rnd() < 0.5 })),
        apps: [app(), app(), app(), app()],
        dateCreated: g.date(),
      };
    case 'AlteryxGallery.subscriptions':
      return {
        _id,
        name: `${g.word()} studio ${c.i}`,
        ownerId: user(),
        canShareSchedules: g.rnd() < 0.5,
        maxUsers: Long.fromNumber(10 + g.int(100)),
        expiration: g.date(-365),
        dateCreated: g.date(),
      };
    case 'AlteryxGallery.auditEvents':
      return {
        _id,
        entity: g.pick(['Apps', 'Users', 'Collections', 'Schedules', 'Subscriptions']),
        entityId: new ObjectId(),
        userId: user(),
        event: g.pick(['Insert', 'Update', 'Delete']),
        timestamp: g.date(365),
        oldValues: { name: g.words(3), description: g.text(120) },
        newValues: { name: g.words(3), description: g.text(120) },
      };
    default:
      return { _id, value: g.text(200) };
  }
}

/** AlteryxGallery_Lucene and AlteryxService documents. */
function serviceDoc(g: Gen, key: string, c: Ctx, _id: ObjectId): Record<string, unknown> {
  const user = () => g.pick(c.users);
  const app = () => g.pick(c.apps);
  switch (key) {
    case 'AlteryxGallery_Lucene.fs.files':
      return {
        _id,
        filename: `_${c.i.toString(36)}.${g.pick(['cfs', 'si', 'fdt', 'tim'])}`,
        length: Long.fromNumber(c.payloadSize * (1 + g.int(4))),
        chunkSize: c.payloadSize,
        uploadDate: g.date(30),
      };
    case 'AlteryxGallery_Lucene.fs.chunks':
      return { _id, files_id: new ObjectId(), n: g.int(4), data: g.payload(Math.max(256, Math.floor(c.payloadSize / 2))) };
    case 'AlteryxService.AS_Applications':
      return {
        _id,
        AppName: `${g.words(2)}_${c.i}.yxzp`,
        Version: 1 + g.int(10),
        UploadDate: g.date(),
        OwnerId: user(),
        Hash: g.hex(40),
        PackageSize: c.payloadSize,
        PackageData: g.payload(c.payloadSize),
      };
    case 'AlteryxService.AS_Queue':
      return {
        _id,
        AppId: app(),
        Status: g.pick(['Complete', 'Complete', 'Complete', 'Error', 'Queued']),
        Priority: g.int(4),
        WorkerTag: '',
        OwnerId: user(),
        CreationTime: g.date(60),
        ExecutingMachine: 'ALTERYX01',
        Inputs: g.text(300),
      };
    case 'AlteryxService.AS_Results':
      return {
        _id,
        QueueId: new ObjectId(),
        AppId: app(),
        Status: g.pick(['Success', 'Success', 'Warning', 'Error']),
        ErrorMessage: '',
        StartTime: g.date(60),
        RunTimeMs: g.int(3_600_000),
        ResultLog: g.text(1000 + g.int(3000)),
        Output: g.payload(Math.max(256, Math.floor(c.payloadSize / 4))),
      };
    case 'AlteryxService.AS_Schedules':
      return {
        _id,
        Name: `${g.words(2)} schedule ${c.i}`,
        AppId: app(),
        Enabled: g.rnd() < 0.8,
        Frequency: g.pick(['Once', 'Hourly', 'Daily', 'Weekly', 'Monthly']),
        NextRunTime: g.date(-30),
        Creator: user(),
        Comment: g.text(200),
      };
    default:
      return { _id, value: g.text(200) };
  }
}

export interface GeneratedDb {
  counts: Record<string, Record<string, number>>;
  bytes: number;
}

/**
 * Writes the three databases as `<root>/<db>/<collection>.bson` files of real BSON documents, about
 * `sizeMb` in total, streaming each file to disk.
 */
export function generateDatabases(root: string, sizeMb: number): GeneratedDb {
  const total = Math.max(1, sizeMb) * 1024 * 1024;
  const g = new Gen((Math.random() * 2 ** 32) >>> 0);
  // Packages grow with the database so that large sandboxes stay at a sensible document count.
  const payloadSize = Math.min(256 * 1024, Math.max(2048, Math.round((sizeMb * 1024 * 1024) / 4000)));
  const ctx: Ctx = {
    users: Array.from({ length: 20 }, () => new ObjectId()),
    apps: Array.from({ length: 20 }, () => new ObjectId()),
    payloadSize,
    i: 0,
  };
  const counts: Record<string, Record<string, number>> = {};
  let bytes = 0;
  for (const { db, coll, share } of COLLECTIONS) {
    fs.mkdirSync(path.join(root, db), { recursive: true });
    const w = new BufferedFileWriter(path.join(root, db, `${coll}.bson`));
    const target = Math.floor(total * share);
    let n = 0;
    ctx.i = 0;
    while (n < 3 || w.bytes < target) {
      ctx.i = n + 1;
      const doc = makeDoc(g, db, coll, ctx);
      if (coll === 'users' && n < ctx.users.length) doc['_id'] = ctx.users[n];
      if (coll === 'apps' && n < ctx.apps.length) doc['_id'] = ctx.apps[n];
      w.write(BSON.serialize(doc));
      n++;
    }
    w.close();
    bytes += w.bytes;
    (counts[db] ??= {})[coll] = n;
  }
  return { counts, bytes };
}
