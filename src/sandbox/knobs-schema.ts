// The knobs' zod schema and types. knobs-core.ts (the emulator's side, without zod) imports the types only.
import { z } from 'zod';
import { DEFAULT_TOOLS_VERSION } from './emulator/tools-format.ts';

const seconds = z.number().finite().nonnegative();

const serviceKnobs = z.strictObject({
  stopSeconds: seconds.default(1),
  startSeconds: seconds.default(1),
  hangOnStop: z.boolean().default(false),
  failStart: z.boolean().default(false),
});

const nodeServiceOverride = z.strictObject({
  stopSeconds: seconds.optional(),
  startSeconds: seconds.optional(),
  hangOnStop: z.boolean().optional(),
  failStart: z.boolean().optional(),
});

const storedWorkflow = z.strictObject({
  name: z.string().min(1),
  node: z.string().min(1),
  pid: z.number().int().positive(),
  endsAt: z.iso.datetime(),
});

const destinationFaultSchema = z.strictObject({
  offline: z.boolean().default(false),
  failTimes: z.number().int().nonnegative().default(0),
  slowMBps: z.number().positive().optional(),
  /** Free space reported for paths under this destination (a share has no drive letter for disk.freeBytes). */
  freeBytes: z.number().int().nonnegative().optional(),
});

export const knobsSchema = z.strictObject({
  elevated: z.boolean().default(true),
  service: serviceKnobs.prefault({}),
  workflows: z.array(storedWorkflow).default([]),
  emongodump: z.strictObject({ seconds: seconds.default(0), fail: z.union([z.literal(false), z.enum(['exit', 'text', 'empty'])]).default(false) }).prefault({}),
  emongorestore: z
    .strictObject({
      seconds: seconds.default(0),
      fail: z.union([z.literal(false), z.enum(['exit', 'text', 'partial'])]).default(false),
      logEncoding: z.enum(['utf8', 'utf16le']).default('utf8'),
    })
    .prefault({}),
  mongodump: z.strictObject({ seconds: seconds.default(0), fail: z.union([z.literal(false), z.enum(['exit'])]).default(false) }).prefault({}),
  mongorestore: z.strictObject({ fail: z.union([z.literal(false), z.enum(['exit', 'partial'])]).default(false) }).prefault({}),
  mongo: z.strictObject({ unreachable: z.boolean().default(false) }).prefault({}),
  mongoTools: z
    .strictObject({
      version: z
        .string()
        .regex(/^r?\d+\.\d+\.\d+$/, 'a MongoDB Database Tools version such as 100.16.0 or r4.0.28')
        .default(DEFAULT_TOOLS_VERSION),
    })
    .prefault({}),
  mongod: z
    .strictObject({
      failStart: z.boolean().default(false),
      startSeconds: seconds.default(0),
      version: z
        .string()
        .regex(/^\d+\.\d+\.\d+$/, 'a MongoDB version such as 4.0.28')
        .default('7.0.12'),
    })
    .prefault({}),
  disk: z
    .strictObject({
      freeBytes: z.record(z.string().regex(/^[A-Z]$/, 'a drive letter'), z.number().int().nonnegative()).default({}),
      // Drive letters the account running the backup does not see (a user's mapped drive, for a SYSTEM task).
      missing: z.array(z.string().regex(/^[A-Z]$/, 'a drive letter (upper case)')).default([]),
    })
    .prefault({}),
  destinations: z.record(z.string().min(1), destinationFaultSchema).default({}),
  nodes: z.record(z.string().min(1), z.strictObject({ unreachable: z.boolean().default(false), service: nodeServiceOverride.optional() })).default({}),
});

export type Knobs = z.output<typeof knobsSchema>;
export type DestinationFault = z.output<typeof destinationFaultSchema>;
export type ServiceKnobs = z.output<typeof serviceKnobs>;
