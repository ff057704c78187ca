import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { constants, deflateRawSync } from 'node:zlib';

/**
 * Whether `b` spans the whole memory it is cut from. A view of a larger buffer keeps all of it alive, and posting
 * it to a thread clones all of it; one that owns its memory costs its own bytes.
 */
export function ownsWholeBuffer(b: Uint8Array): boolean {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength;
}

/** Inputs under zlib's default output chunk (16 KiB) get an output buffer of their own size (see the worker). */
const SMALL_OUTPUT = 16 * 1024;
/** The size of a chunk of a large entry: big enough that the per-chunk flush costs nothing measurable. */
export const CHUNK_BYTES = 1024 * 1024;
/** The window deflate can refer back to: each chunk gets this much of the previous one as its dictionary. */
export const DICT_BYTES = 32 * 1024;
/** One task's room in the shared memory: its dictionary (at most DICT_BYTES), then its chunk (at most CHUNK_BYTES). */
const SLOT_BYTES = DICT_BYTES + CHUNK_BYTES;

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const zlib = require('node:zlib');
let slots;
parentPort.on('message', (m) => {
  if (m.slots) {
    slots = m.slots;
    return;
  }
  try {
    // The input and its dictionary are read where the main thread put them, in its slot of the shared memory
    // (no buffer of its own for each task: see DeflatePool.slots), or (a larger task) from the message.
    const at = m.slot * ${SLOT_BYTES};
    const data = m.data || new Uint8Array(slots, at + ${DICT_BYTES}, m.length);
    const dict = m.dict || (m.dictLength ? new Uint8Array(slots, at + ${DICT_BYTES} - m.dictLength, m.dictLength) : undefined);
    // A small input gets an output buffer of about its size (zlib's default is 16 KiB a call: for 100,000 small
    // files, gigabytes of garbage in this thread between its collections).
    const opts = { level: m.level, finishFlush: m.final ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH };
    if (data.length < ${SMALL_OUTPUT}) opts.chunkSize = Math.max(64, data.length + 64);
    if (dict && dict.length) opts.dictionary = dict;
    const raw = zlib.deflateRawSync(data, opts);
    // A small result is a view into zlib's 16 KiB output buffer: copied to its own exact-size memory and handed
    // over (transferred, not cloned), so that the main thread gets only the bytes it needs.
    const out = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw : new Uint8Array(raw);
    parentPort.postMessage({ id: m.id, out }, [out.buffer]);
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String((e && e.message) || e) });
  }
});
`;

/** Deflates one chunk in this thread, exactly as a worker does (the pool's reference; also its 0-worker mode). */
export function deflateChunk(data: Uint8Array, level: number, final: boolean, dict?: Uint8Array): Buffer {
  return deflateRawSync(data, {
    level,
    finishFlush: final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
    ...(data.length < SMALL_OUTPUT ? { chunkSize: Math.max(64, data.length + 64) } : {}),
    ...(dict?.length ? { dictionary: dict } : {}),
  });
}

interface Pending {
  resolve: (b: Buffer) => void;
  reject: (e: Error) => void;
}

/** Slots of the shared memory per thread (the writer keeps at most 4 tasks per thread in flight). */
const SLOTS_PER_THREAD = 4;

/**
 * Each deflate thread's young generation, at most (V8 grows it to 16 MB semi-spaces under a high message rate: over
 * 100,000 small files the two threads' heaps took tens of MB). The data is in the shared slots and in transferred
 * results, outside the heap: a small young generation costs the threads nothing measurable (500 MB: 0.99x pigz, run P).
 */
export const DEFLATE_THREAD_LIMITS = { maxYoungGenerationSizeMb: 4 } as const;

/**
 * The worker threads that deflate the archive's chunks (the pigz technique). Each task is one chunk of an
 * entry, deflated on its own with the last 32 KiB of the entry's previous chunk as preset dictionary; a chunk
 * that is not the entry's last ends with a sync flush (an empty stored block: the output ends on a byte
 * boundary and no block is marked final), the last one with Z_FINISH. Joined in order, the chunks are one valid
 * raw-deflate stream (RFC 1951) that any inflater reads as if one deflater had written it.
 *
 * The worker is an inline `eval` script: it runs the same from the TypeScript sources and from the esbuild
 * bundle (module/AlteryxBackup/lib), with no worker file to ship.
 *
 * Threads live while the pool does: `close()` ends them (the writer calls it on success, error and abort alike).
 */
export class DeflatePool {
  /** Deflate threads running in this process, over all pools (0 between archives: tests check no thread is left). */
  static live = 0;
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  /**
   * Tasks go to the threads through slots of one SharedArrayBuffer: the main thread copies a chunk (and its
   * dictionary) into a free slot and posts the slot's number; the thread deflates it in place. Posting the chunk
   * itself gave each thread a new 1 MiB buffer per task, garbage that V8 collects only after tens of MB: the peak
   * of a large archive, and at 100,000 small files the end of the archive (manifest.json, 30 MB). Free slots are a
   * stack (the first ones are reused: a run of small files touches a few pages).
   */
  private readonly slots: SharedArrayBuffer | undefined;
  private readonly freeSlots: number[] = [];
  private readonly slotOf = new Map<number, number>();
  private slotWaiters: Array<() => void> = [];
  private readonly load: number[] = [];
  private readonly owner = new Map<number, number>();
  private nextId = 1;
  private failure: Error | undefined;
  private closed = false;

  constructor(threads = availableParallelism()) {
    this.size = Math.max(0, threads);
    for (let i = 0; i < this.size; i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: DEFLATE_THREAD_LIMITS });
      w.on('message', (m: { id: number; out?: Uint8Array; error?: string }) => this.settle(i, m));
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`a deflate worker stopped (exit code ${code})`));
      });
      this.workers.push(w);
      this.load.push(0);
      DeflatePool.live++;
    }
    if (this.size > 0) {
      const count = this.size * SLOTS_PER_THREAD;
      this.slots = new SharedArrayBuffer(count * SLOT_BYTES);
      for (let i = count - 1; i >= 0; i--) this.freeSlots.push(i);
      for (const w of this.workers) w.postMessage({ slots: this.slots });
    }
  }

  /** Threads running now (0 once closed): what the tests check for "no hanging workers". */
  get running(): number {
    return this.closed ? 0 : this.workers.length;
  }

  private settle(worker: number, m: { id: number; out?: Uint8Array; error?: string }): void {
    const slot = this.slotOf.get(m.id);
    if (slot !== undefined) {
      this.slotOf.delete(m.id);
      this.freeSlots.push(slot);
      this.slotWaiters.shift()?.();
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    this.owner.delete(m.id);
    this.load[worker] = (this.load[worker] ?? 1) - 1;
    if (m.error !== undefined || !m.out) p.reject(new Error(`deflate failed: ${m.error ?? 'no output'}`));
    else p.resolve(Buffer.from(m.out.buffer, m.out.byteOffset, m.out.byteLength));
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const w of this.slotWaiters.splice(0)) w();
  }

  /** A free slot of the shared memory, once there is one (the writer's backpressure keeps fewer tasks in flight). */
  private async takeSlot(): Promise<number> {
    for (;;) {
      if (this.failure) throw this.failure;
      const slot = this.freeSlots.pop();
      if (slot !== undefined) return slot;
      await new Promise<void>((r) => this.slotWaiters.push(r));
    }
  }

  /**
   * Deflates `data` (see the class comment); the promise holds the chunk's part of the entry's raw-deflate stream.
   * `data` and `dict` are copied (into a slot of the shared memory, into the message for a task larger than a slot,
   * or aside while every slot is busy) before the promise is returned: the caller may change them afterwards.
   */
  async deflate(data: Uint8Array, level: number, final: boolean, dict?: Uint8Array): Promise<Buffer> {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error('the deflate pool is closed');
    if (this.size === 0) return deflateChunk(data, level, final, dict);
    if (!this.slots || data.length > CHUNK_BYTES || (dict?.length ?? 0) > DICT_BYTES) {
      // Posting a view clones its whole ArrayBuffer: a 1 MiB piece of a 10 MB buffer sent 10 MB to the thread
      // each time. Such a piece goes as a copy of its own bytes, handed over.
      const whole = ownsWholeBuffer(data);
      const own = whole ? data : new Uint8Array(data);
      return this.send({ data: own, level, final, dict }, whole ? [] : [own.buffer as ArrayBuffer]);
    }
    // Copied before this returns its promise, whether a slot is free or not: the caller may reuse its buffers.
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      const mine = { data: Buffer.from(data), dict: dict && Buffer.from(dict) };
      slot = await this.takeSlot();
      return this.sendInSlot(slot, mine.data, mine.dict, level, final);
    }
    return this.sendInSlot(slot, data, dict, level, final);
  }

  private sendInSlot(slot: number, data: Uint8Array, dict: Uint8Array | undefined, level: number, final: boolean): Promise<Buffer> {
    const room = new Uint8Array(this.slots!, slot * SLOT_BYTES, SLOT_BYTES);
    const dictLength = dict?.length ?? 0;
    if (dict) room.set(dict, DICT_BYTES - dictLength);
    room.set(data, DICT_BYTES);
    return this.send({ slot, length: data.length, dictLength, level, final }, [], slot);
  }

  /** Posts one task to the least loaded thread. */
  private send(task: Record<string, unknown>, transfer: ArrayBuffer[], slot?: number): Promise<Buffer> {
    let pick = 0;
    for (let i = 1; i < this.size; i++) if ((this.load[i] ?? 0) < (this.load[pick] ?? 0)) pick = i;
    const id = this.nextId++;
    this.load[pick] = (this.load[pick] ?? 0) + 1;
    this.owner.set(id, pick);
    if (slot !== undefined) this.slotOf.set(id, slot);
    return new Promise<Buffer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[pick]!.postMessage({ id, ...task }, transfer);
    });
  }

  /** Ends every thread; tasks still in flight are rejected. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fail(new Error('the deflate pool was closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
    DeflatePool.live -= this.workers.length;
  }
}
