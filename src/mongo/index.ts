/**
 * Self-managed MongoDB (issue 5): connection strings, the driver's connectivity check and mongodump.
 * The backup runner uses the two functions below; docs/mongodb.md explains the whole.
 */
import type { RunContext } from '../core/context.ts';
import { checkMongoConnection, type PingResult } from './check.ts';
import { checkMongodump } from './dump.ts';
import type { MongoTarget } from './target.ts';

export interface SelfManagedChecked {
  target: MongoTarget;
  ping: PingResult;
}

/** Before anything is stopped: the connection resolves, the server answers and accepts the user, mongodump runs. */
export async function checkSelfManaged(ctx: RunContext): Promise<SelfManagedChecked> {
  const checked = await checkMongoConnection(ctx);
  await checkMongodump(ctx);
  return checked;
}

export { dumpSelfManaged } from './dump.ts';
