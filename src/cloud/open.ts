import type { CloudDestination } from '../config/schema.ts';
import type { Masker } from '../log/mask.ts';
import { AzureStore } from './azure.ts';
import { S3Store } from './s3.ts';
import { cloudSecrets, secretValues, type CloudStore } from './store.ts';
import { displayUrl, parseCloudUrl } from './url.ts';

/** Opens the provider for one configured destination; its secrets are added to the masker first. */
export function openStore(dest: CloudDestination, secrets: Record<string, string | undefined>, masker?: Masker): CloudStore {
  const creds = cloudSecrets(dest, secrets);
  for (const v of secretValues(creds)) masker?.add(v);
  const loc = parseCloudUrl(dest.Url);
  return loc.kind === 's3' ? new S3Store(loc, dest, creds) : new AzureStore(loc, dest, creds);
}

/** An SDK error -> one line naming what failed and what to do; never a credential. */
export function describeCloudError(err: unknown, dest: CloudDestination): string {
  const e = err as { name?: string; code?: string; message?: string; statusCode?: number; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode ?? e.statusCode;
  const code = e.code && !/^\d+$/.test(e.code) ? e.code : e.name && e.name !== 'Error' ? e.name : undefined;
  const first = String(e.message ?? err)
    .split(/\r?\n/)[0]!
    .slice(0, 300);
  const where = `${dest.Name} (${displayUrl(dest.Url)})`;
  if (
    status === 401 ||
    status === 403 ||
    /InvalidAccessKeyId|SignatureDoesNotMatch|AuthenticationFailed|AuthorizationFailure|AccessDenied|CredentialsProviderError|Could not load credentials|ClientAuthenticationError|CredentialUnavailableError|AuthenticationRequiredError|invalid_client|AADSTS\d+/i.test(
      `${code} ${first}`,
    )
  ) {
    return `${where}: credentials refused (${[status && `HTTP ${status}`, code].filter(Boolean).join(' ') || first}): check the key, SAS or Entra ID identity passed for this destination and its permissions (docs/storage.md)`;
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH/.test(`${code} ${first}`)) {
    return `${where}: the storage service cannot be reached (${first}): check the endpoint/account URL, DNS, proxy and firewall`;
  }
  return `${where}: ${[status && `HTTP ${status}`, code].filter(Boolean).join(' ')}${status || code ? ': ' : ''}${first}`;
}
