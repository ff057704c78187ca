import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import type { Readable } from 'node:stream';
import { AnonymousCredential, BlobServiceClient, StorageSharedKeyCredential, newPipeline, type ContainerClient } from '@azure/storage-blob';
import type { TokenCredential } from '@azure/identity';
import type { CloudDestination } from '../config/schema.ts';
import { entraCredential } from './entra.ts';
import { hashTo } from './s3.ts';
import type { CloudObject, CloudSecrets, CloudStore, StoreStats, UploadOutcome, UploadRequest } from './store.ts';
import type { CloudLocation } from './url.ts';

const MB = 1024 * 1024;

/** AccountName=...;AccountKey=...;BlobEndpoint=...;SharedAccessSignature=... -> its fields. */
function parseConnectionString(cs: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of cs.split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim().toLowerCase()] = part.slice(i + 1).trim();
  }
  return out;
}

function immutability(lock: UploadRequest['lock']) {
  if (!lock) return {};
  // Governance maps to an unlocked policy (a privileged user can shorten it); Compliance to a locked one.
  return {
    immutabilityPolicy: { expiriesOn: lock.until, policyMode: lock.mode === 'Compliance' ? ('Locked' as const) : ('Unlocked' as const) },
    ...(lock.legalHold ? { legalHold: true } : {}),
  };
}

/** Azure Blob Storage through @azure/storage-blob: block blobs, blocks staged in parallel, each with its MD5. */
export class AzureStore implements CloudStore {
  readonly kind = 'azblob' as const;
  readonly stats: StoreStats = { requests: 0, tries: 0 };
  private readonly container: ContainerClient;

  constructor(
    readonly location: CloudLocation,
    private readonly dest: CloudDestination,
    secrets: CloudSecrets,
  ) {
    const cs = secrets.connectionString ? parseConnectionString(secrets.connectionString) : {};
    let url = (dest.AccountUrl ?? cs['blobendpoint'] ?? `https://${location.account}.blob.core.windows.net`).replace(/\/+$/, '');
    const sas = (secrets.sas ?? cs['sharedaccesssignature'])?.replace(/^\?/, '');
    let credential: StorageSharedKeyCredential | AnonymousCredential | TokenCredential;
    if (dest.Auth !== 'Key') credential = entraCredential(dest, secrets);
    else if (cs['accountkey']) credential = new StorageSharedKeyCredential(cs['accountname'] ?? location.account!, cs['accountkey']);
    else if (secrets.accountKey) credential = new StorageSharedKeyCredential(location.account!, secrets.accountKey);
    else if (sas) {
      credential = new AnonymousCredential();
      url = `${url}?${sas}`;
    } else {
      throw new Error(
        `no Azure credentials for ${dest.Name}: pass a connection string, SAS token or account key (CredentialTarget, secret ${dest.Name}.ConnectionString / .SasToken / .AccountKey, AzureConnectionString / AzureSasToken, or the environment variable AZURE_STORAGE_CONNECTION_STRING)`,
      );
    }
    const pipeline = newPipeline(credential, {
      retryOptions: { maxTries: dest.MaxAttempts, retryDelayInMs: 200, maxRetryDelayInMs: 20_000, tryTimeoutInMs: 10 * 60_000 },
    });
    const svc = new BlobServiceClient(url, pipeline);
    this.container = svc.getContainerClient(location.container);
    // Every HTTP try is counted by a policy placed after the SDK's retry policy (per try, not per operation).
    const core = (this.container as unknown as { storageClientContext?: { pipeline?: { addPolicy(p: unknown, o: unknown): void } } }).storageClientContext
      ?.pipeline;
    core?.addPolicy(
      {
        name: 'alteryxBackupCountTries',
        sendRequest: (req: unknown, next: (r: unknown) => Promise<unknown>) => {
          this.stats.tries++;
          return next(req);
        },
      },
      { afterPhase: 'Retry' },
    );
  }

  private blob(name: string) {
    return this.container.getBlockBlobClient(`${this.location.prefix}${name}`);
  }

  /** One operation (the SDK then retries it, counted in stats.tries). */
  private op<T>(p: () => Promise<T>): Promise<T> {
    this.stats.requests++;
    return p();
  }

  async upload(req: UploadRequest): Promise<UploadOutcome> {
    const d = this.dest;
    const blob = this.blob(req.name);
    const metadata = { sha256: req.sha256, ...(req.lock ? { retainuntil: req.lock.until.toISOString() } : {}) };
    const headers = { blobContentType: 'application/zip' };
    if (req.size < d.MultipartThresholdMB * MB) {
      // One Put Blob, streamed; the whole file's MD5 lets the service check what it stored.
      const md5 = await md5File(req.file);
      await this.op(() =>
        blob.upload(() => createReadStream(req.file, { highWaterMark: MB }), req.size, {
          metadata,
          blobHTTPHeaders: { ...headers, blobContentMD5: md5 },
          transactionalContentMD5: md5,
          abortSignal: req.signal,
          onProgress: (p) => req.onProgress?.(p.loadedBytes),
          ...immutability(req.lock),
        } as Parameters<typeof blob.upload>[2]),
      );
      return { parts: 1, checksumSent: 'Content-MD5 (whole blob)' };
    }
    // Blocks read at their offsets, at most Concurrency of them in memory at once, each staged with its MD5;
    // the block list is committed only when all are in (an upload that fails leaves uncommitted blocks, which
    // Azure discards after 7 days; they are never visible as a blob).
    const blockSize = d.PartSizeMB * MB;
    const count = Math.ceil(req.size / blockSize);
    const ids = Array.from({ length: count }, (_, i) => Buffer.from(`alteryxbackup-${String(i).padStart(6, '0')}`).toString('base64'));
    const fh = await fsp.open(req.file, 'r');
    let next = 0;
    let sent = 0;
    try {
      const worker = async () => {
        // One buffer per worker, reused for each of its blocks: memory is Concurrency x block size, whatever
        // the archive's size (the SDK is done with a block's body once stageBlock, retries included, resolves).
        const pool = Buffer.allocUnsafe(Math.min(blockSize, req.size));
        while (next < count) {
          if (req.signal?.aborted) throw req.signal.reason ?? new Error('aborted');
          const i = next++;
          const len = Math.min(blockSize, req.size - i * blockSize);
          const buf = pool.subarray(0, len);
          const { bytesRead } = await fh.read(buf, 0, len, i * blockSize);
          if (bytesRead !== len) throw new Error(`the archive changed while it was uploaded (short read at block ${i})`);
          const md5 = createHash('md5').update(buf).digest();
          await this.op(() => blob.stageBlock(ids[i]!, buf, len, { transactionalContentMD5: md5, abortSignal: req.signal }));
          sent += len;
          req.onProgress?.(sent);
        }
      };
      await Promise.all(Array.from({ length: Math.min(d.Concurrency, count) }, worker));
    } finally {
      await fh.close();
    }
    await this.op(() =>
      blob.commitBlockList(ids, { metadata, blobHTTPHeaders: headers, abortSignal: req.signal, ...immutability(req.lock) } as Parameters<
        typeof blob.commitBlockList
      >[1]),
    );
    return { parts: count, checksumSent: 'Content-MD5 per block' };
  }

  async putText(name: string, text: string, lock?: UploadRequest['lock']): Promise<void> {
    const body = Buffer.from(text);
    const md5 = createHash('md5').update(body).digest();
    const blob = this.blob(name);
    await this.op(() =>
      blob.upload(body, body.length, {
        blobHTTPHeaders: { blobContentType: 'text/plain', blobContentMD5: md5 },
        transactionalContentMD5: md5,
        ...immutability(lock),
      } as Parameters<typeof blob.upload>[2]),
    );
  }

  async head(name: string): Promise<CloudObject | undefined> {
    try {
      const p = await this.op(() => this.blob(name).getProperties());
      const recorded = p.metadata?.['retainuntil'];
      const until = p.immutabilityPolicyExpiresOn ?? (recorded ? new Date(recorded) : undefined);
      return { name, size: p.contentLength ?? 0, lastModified: p.lastModified, sha256: p.metadata?.['sha256'], lockedUntil: until, legalHold: p.legalHold };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  async list(): Promise<CloudObject[]> {
    const out: CloudObject[] = [];
    this.stats.requests++;
    for await (const b of this.container.listBlobsFlat({ prefix: this.location.prefix, includeMetadata: true })) {
      const name = b.name.slice(this.location.prefix.length);
      if (!name || name.includes('/')) continue;
      const recorded = b.metadata?.['retainuntil'];
      out.push({
        name,
        size: b.properties.contentLength ?? 0,
        lastModified: b.properties.lastModified,
        sha256: b.metadata?.['sha256'],
        lockedUntil: b.properties.immutabilityPolicyExpiresOn ?? (recorded ? new Date(recorded) : undefined),
        legalHold: b.properties.legalHold,
      });
    }
    return out;
  }

  async remove(name: string): Promise<void> {
    await this.op(() => this.blob(name).delete());
  }

  async download(name: string, dest: string, onProgress?: (bytes: number) => void, signal?: AbortSignal): Promise<{ sha256: string; size: number }> {
    const r = await this.op(() => this.blob(name).download(0, undefined, { abortSignal: signal, maxRetryRequests: this.dest.MaxAttempts }));
    if (!r.readableStreamBody) throw new Error(`the service returned no body for ${name}`);
    return hashTo(r.readableStreamBody as unknown as Readable, dest, onProgress);
  }

  close(): void {}
}

async function md5File(file: string): Promise<Buffer> {
  const h = createHash('md5');
  for await (const c of createReadStream(file, { highWaterMark: MB })) h.update(c as Buffer);
  return h.digest();
}
