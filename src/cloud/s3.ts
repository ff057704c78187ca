import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { CloudDestination } from '../config/schema.ts';
import type { CloudLocation } from './url.ts';
import type { CloudObject, CloudSecrets, CloudStore, StoreStats, UploadOutcome, UploadRequest } from './store.ts';

const MB = 1024 * 1024;

function lockParams(lock: UploadRequest['lock']): Partial<PutObjectCommandInput> {
  if (!lock) return {};
  return {
    ObjectLockMode: lock.mode === 'Compliance' ? 'COMPLIANCE' : 'GOVERNANCE',
    ObjectLockRetainUntilDate: lock.until,
    ...(lock.legalHold ? { ObjectLockLegalHoldStatus: 'ON' as const } : {}),
  };
}

/** S3 and S3-compatible storage through @aws-sdk/client-s3 (+ lib-storage for multipart). */
export class S3Store implements CloudStore {
  readonly kind = 's3' as const;
  readonly stats: StoreStats = { requests: 0, tries: 0 };
  private readonly client: S3Client;
  /** The same client without SDK retries, for the streamed single-request upload (retried by upload itself). */
  private readonly single: S3Client;

  constructor(
    readonly location: CloudLocation,
    private readonly dest: CloudDestination,
    secrets: CloudSecrets,
  ) {
    // The SDK warns on stderr under Node 20 (its releases after January 2027 need Node 22): the bundle's Node is
    // the release's choice (docs/decisions.md), not the admin's to act on at every run.
    process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
    const config = {
      region: dest.Region,
      ...(dest.Endpoint ? { endpoint: dest.Endpoint } : {}),
      forcePathStyle: dest.ForcePathStyle,
      // No credentials given: the SDK's default chain (environment, profile, SSO, instance/ECS role, web identity).
      ...(secrets.accessKeyId && secrets.secretAccessKey
        ? {
            credentials: {
              accessKeyId: secrets.accessKeyId,
              secretAccessKey: secrets.secretAccessKey,
              ...(secrets.sessionToken ? { sessionToken: secrets.sessionToken } : {}),
            },
          }
        : {}),
      maxAttempts: dest.MaxAttempts,
      // A server that never answers fails a try instead of hanging the run (the try is then retried).
      requestHandler: { connectionTimeout: 15_000, requestTimeout: 300_000 },
      retryMode: 'standard',
      // Checksums only where this tool asks for them (SHA-256): S3-compatible servers often reject the SDK's
      // default CRC32 trailers (aws-chunked), and an explicit SHA-256 is what the manifest can be compared with.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // The SDK would print its warnings to the console (stderr of the CLI); this tool logs the outcome itself.
      logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    } as const;
    this.client = this.counted(new S3Client(config));
    this.single = this.counted(new S3Client({ ...config, maxAttempts: 1 }));
  }

  private counted(client: S3Client): S3Client {
    // Counted per operation (initialize) and per HTTP try (deserialize runs inside the retry loop).
    client.middlewareStack.add(
      (next) => (args) => {
        this.stats.requests++;
        return next(args);
      },
      { step: 'initialize', name: 'alteryxBackupCountRequests' },
    );
    client.middlewareStack.add(
      (next) => (args) => {
        this.stats.tries++;
        return next(args);
      },
      { step: 'deserialize', name: 'alteryxBackupCountTries' },
    );
    return client;
  }

  private key(name: string): string {
    return `${this.location.prefix}${name}`;
  }

  async upload(req: UploadRequest): Promise<UploadOutcome> {
    const d = this.dest;
    const Metadata = { sha256: req.sha256, ...(req.lock ? { 'retain-until': req.lock.until.toISOString() } : {}) };
    const base = { Bucket: this.location.container, Key: this.key(req.name), ContentType: 'application/zip', Metadata, ...lockParams(req.lock) };
    if (req.size < d.MultipartThresholdMB * MB) {
      // One request, streamed from disk; the whole file's SHA-256 (known from the manifest) is checked by S3.
      // A stream cannot be sent twice, so this request is retried here (fresh stream each try), not by the SDK.
      for (let attempt = 1; ; attempt++) {
        const stream = createReadStream(req.file, { highWaterMark: MB });
        let sent = 0;
        stream.on('data', (c) => {
          sent += c.length;
          req.onProgress?.(sent);
        });
        try {
          await this.single.send(
            new PutObjectCommand({ ...base, Body: stream, ContentLength: req.size, ChecksumSHA256: Buffer.from(req.sha256, 'hex').toString('base64') }),
            { abortSignal: req.signal },
          );
          break;
        } catch (err) {
          stream.destroy();
          if (attempt >= d.MaxAttempts || req.signal?.aborted || !retryable(err)) throw err;
          this.stats.requests--; // the same request again: counted as a retry, not as a new request
          await new Promise((r) => setTimeout(r, Math.min(20_000, 200 * 2 ** (attempt - 1) * (0.5 + Math.random()))));
        }
      }
      return { parts: 1, checksumSent: 'x-amz-checksum-sha256 (whole object)' };
    }
    const partSize = Math.max(5 * MB, d.PartSizeMB * MB);
    // lib-storage keeps at most queueSize parts in memory; each part carries its own SHA-256, and on failure
    // the multipart upload is aborted (leavePartsOnError false), so no orphaned parts are left billed.
    const up = new Upload({
      client: this.client,
      params: { ...base, Body: createReadStream(req.file, { highWaterMark: MB }), ChecksumAlgorithm: 'SHA256' },
      partSize,
      queueSize: d.Concurrency,
      leavePartsOnError: false,
    });
    up.on('httpUploadProgress', (p) => p.loaded !== undefined && req.onProgress?.(p.loaded));
    const onAbort = () => void up.abort().catch(() => {});
    req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await up.done();
    } finally {
      req.signal?.removeEventListener('abort', onAbort);
    }
    return { parts: Math.ceil(req.size / partSize), checksumSent: 'x-amz-checksum-sha256 per part' };
  }

  async putText(name: string, text: string, lock?: UploadRequest['lock']): Promise<void> {
    const body = Buffer.from(text);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.location.container,
        Key: this.key(name),
        Body: body,
        ContentType: 'text/plain',
        ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
        ...lockParams(lock),
      }),
    );
  }

  async head(name: string): Promise<CloudObject | undefined> {
    try {
      const h = await this.client.send(new HeadObjectCommand({ Bucket: this.location.container, Key: this.key(name) }));
      const recorded = h.Metadata?.['retain-until'];
      const until = h.ObjectLockRetainUntilDate ?? (recorded ? new Date(recorded) : undefined);
      return {
        name,
        size: h.ContentLength ?? 0,
        lastModified: h.LastModified,
        sha256: h.Metadata?.['sha256'],
        lockedUntil: until,
        legalHold: h.ObjectLockLegalHoldStatus === 'ON',
      };
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw err;
    }
  }

  async list(): Promise<CloudObject[]> {
    const out: CloudObject[] = [];
    let token: string | undefined;
    do {
      const r = await this.client.send(new ListObjectsV2Command({ Bucket: this.location.container, Prefix: this.location.prefix, ContinuationToken: token }));
      for (const o of r.Contents ?? []) {
        const name = (o.Key ?? '').slice(this.location.prefix.length);
        if (!name || name.includes('/')) continue;
        out.push({ name, size: o.Size ?? 0, lastModified: o.LastModified });
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async remove(name: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.location.container, Key: this.key(name) }));
  }

  async download(name: string, dest: string, onProgress?: (bytes: number) => void, signal?: AbortSignal): Promise<{ sha256: string; size: number }> {
    const r = await this.client.send(new GetObjectCommand({ Bucket: this.location.container, Key: this.key(name) }), { abortSignal: signal });
    return hashTo(r.Body as Readable, dest, onProgress);
  }

  close(): void {
    this.client.destroy();
    this.single.destroy();
  }
}

/** Streams `body` into `dest`, hashing on the way. */
export async function hashTo(body: Readable, dest: string, onProgress?: (bytes: number) => void): Promise<{ sha256: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      size += chunk.length;
      onProgress?.(size);
      cb(null, chunk);
    },
  });
  await pipeline(body, tap, createWriteStream(dest));
  return { sha256: h.digest('hex'), size };
}

/** Throttling (429/503 SlowDown), server errors and dropped connections are worth another try; 4xx are not. */
function retryable(err: unknown): boolean {
  const e = err as { $retryable?: unknown; $metadata?: { httpStatusCode?: number }; code?: string; name?: string };
  const status = e.$metadata?.httpStatusCode;
  if (e.$retryable) return true;
  if (status !== undefined) return status === 429 || status === 408 || status >= 500;
  return /ECONNRESET|EPIPE|ETIMEDOUT|ECONNREFUSED|socket hang up|TimeoutError|RequestTimeout/i.test(`${e.code} ${e.name} ${(err as Error).message}`);
}
