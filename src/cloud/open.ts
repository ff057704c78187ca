import type { CloudDestination } from '../config/schema.ts';
import type { Masker } from '../log/mask.ts';
import { cloudSecrets, secretValues, type CloudStore } from './store.ts';
import { displayUrl, parseCloudUrl } from './url.ts';

/**
 * Opens the provider for one configured destination; its secrets are added to the masker first. The provider's
 * SDK is loaded here, on first use: a run without cloud destinations never loads it (startup time and memory).
 */
export async function openStore(dest: CloudDestination, secrets: Record<string, string | undefined>, masker?: Masker): Promise<CloudStore> {
  const creds = cloudSecrets(dest, secrets);
  for (const v of secretValues(creds)) masker?.add(v);
  const loc = parseCloudUrl(dest.Url);
  if (loc.kind === 's3') {
    const { S3Store } = await import('./s3.ts');
    return new S3Store(loc, dest, creds);
  }
  const { AzureStore } = await import('./azure.ts');
  return new AzureStore(loc, dest, creds);
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
