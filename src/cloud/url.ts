/**
 * Cloud destination URLs: s3://bucket/prefix and azblob://account/container/prefix. They never carry
 * credentials; `displayUrl` strips any query string (a SAS token) and user info that slipped in anyway.
 */
export type CloudKind = 's3' | 'azblob';

export interface CloudLocation {
  kind: CloudKind;
  /** S3: the bucket. Azure: the container. */
  container: string;
  /** Azure only: the storage account. */
  account?: string | undefined;
  /** Key prefix without leading slash, with a trailing slash when not empty ("backups/alteryx/"). */
  prefix: string;
}

export function isCloudUrl(s: unknown): s is string {
  return typeof s === 'string' && /^(s3|azblob):\/\//i.test(s);
}

/** Removes user info and the query string (SAS) from any URL-like text. */
export function displayUrl(url: string): string {
  return url.replace(/^([a-z0-9+]+:\/\/)[^/@?#]*@/i, '$1').replace(/\?.*$/, '');
}

/** Parses a destination URL; throws a message saying the expected form. */
export function parseCloudUrl(url: string): CloudLocation {
  const m = /^(s3|azblob):\/\/([^/?#]+)(?:\/([^?#]*))?$/i.exec(url);
  if (!m) throw new Error(`${displayUrl(url)} is not a cloud URL: use s3://bucket/prefix or azblob://account/container/prefix`);
  const kind = m[1]!.toLowerCase() as CloudKind;
  const rest = (m[3] ?? '').split('/').filter(Boolean);
  if (kind === 's3') return { kind, container: m[2]!, prefix: rest.length ? `${rest.join('/')}/` : '' };
  const container = rest.shift();
  if (!container) throw new Error(`${displayUrl(url)} names no container: use azblob://account/container/prefix`);
  return { kind, account: m[2]!, container, prefix: rest.length ? `${rest.join('/')}/` : '' };
}

/** The URL of one object (an archive name under the destination's prefix). */
export function objectUrl(loc: CloudLocation, key: string): string {
  return loc.kind === 's3' ? `s3://${loc.container}/${key}` : `azblob://${loc.account}/${loc.container}/${key}`;
}

/**
 * An archive URL (s3://bucket/prefix/ServerBackup_Full_....zip) -> the destination location and the object key.
 * The key is the whole path after the bucket (container), so the prefix is everything before the last slash.
 */
export function splitObjectUrl(url: string): { loc: CloudLocation; key: string; name: string } {
  const loc = parseCloudUrl(url);
  const key = loc.prefix.replace(/\/$/, '');
  if (!key) throw new Error(`${displayUrl(url)} names no object: give the archive's URL, e.g. s3://bucket/prefix/ServerBackup_Full_20260101_020000.zip`);
  const name = key.split('/').pop()!;
  const dir = key.slice(0, key.length - name.length);
  return { loc: { ...loc, prefix: dir }, key, name };
}
