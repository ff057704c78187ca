// Issue 16: Entra ID for Azure (@azure/identity), Auth ClientSecret, end to end. The emulators have no Entra
// ID, so the test starts its own token authority on loopback over HTTPS (a certificate made by openssl here,
// trusted by the core through NODE_EXTRA_CA_CERTS): it answers the OIDC discovery and the token request of
// ClientSecretCredential (AuthorityHost points at it) and hands out a JWT for https://storage.azure.com.
// Azurite runs over HTTPS with --oauth basic (it checks audience, issuer and dates of a bearer token, not
// its signature), behind a recording HTTPS proxy that checks every request carries that bearer token. The
// client secret travels on stdin as <Name>.ClientSecret (what the module sends from a CredentialTarget).
import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { repo, runCli } from './helpers/cli.ts';
import { AZURITE_ACCOUNT, azuriteConnectionString, startAzurite } from './helpers/cloud.ts';
import { quickSandbox } from './helpers/sandbox.ts';
import { selfSignedCert } from './helpers/tls.ts';

const TENANT = '72f988bf-0000-4000-8000-00000000e11d';
const CLIENT = '0c0a0b0d-1111-4222-8333-444455556666';
const SECRET = 'Entra-client~s3cret.from-the-vault_42';

async function listen(t: ExecutionContext, server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as AddressInfo).port;
}

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** A token authority: OIDC discovery + the client-credentials token endpoint of one service principal. */
async function startAuthority(t: ExecutionContext, tls: { cert: string; key: string }) {
  const now = Math.floor(Date.now() / 1000);
  const token = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url({ aud: 'https://storage.azure.com', iss: `https://sts.windows.net/${TENANT}/`, iat: now - 60, nbf: now - 60, exp: now + 3600, tid: TENANT, appid: CLIENT, oid: CLIENT })}.c2lnbmF0dXJl`;
  const tokenRequests: Array<Record<string, string>> = [];
  const server = createServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, (req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      const base = `https://127.0.0.1:${port}/${TENANT}`;
      const json = (status: number, o: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(o));
      };
      if (req.method === 'GET' && path.endsWith('/.well-known/openid-configuration'))
        return json(200, {
          issuer: `${base}/v2.0`,
          token_endpoint: `${base}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          jwks_uri: `${base}/discovery/v2.0/keys`,
          response_types_supported: ['code', 'token'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
        });
      if (req.method === 'POST' && path === `/${TENANT}/oauth2/v2.0/token`) {
        const form = Object.fromEntries(new URLSearchParams(body));
        tokenRequests.push(form);
        if (form['client_id'] !== CLIENT || form['client_secret'] !== SECRET)
          return json(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.', error_codes: [7000215] });
        return json(200, { token_type: 'Bearer', access_token: token, expires_in: 3599, ext_expires_in: 3599 });
      }
      json(404, { error: 'not_found', path });
    });
  });
  const port = await listen(t, server);
  return { url: `https://127.0.0.1:${port}`, token, tokenRequests };
}

/** A recording HTTPS proxy in front of Azurite (HTTPS): method, path and Authorization of every request. */
async function startTlsProxy(t: ExecutionContext, tls: { cert: string; key: string; pem: string }, targetPort: number) {
  const records: Array<{ method: string; url: string; authorization: string | undefined }> = [];
  const server = createServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, (req, res) => {
    records.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    const up = request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers, ca: tls.pem }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', (err) => {
      res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(up);
  });
  const port = await listen(t, server);
  return { url: `https://127.0.0.1:${port}`, records };
}

test('Entra ID client secret: a token from a loopback authority, every Azurite (HTTPS, --oauth basic) request with that bearer token, the upload verified; a wrong secret: exit 4 naming the destination, no secret anywhere', async (t) => {
  const tls = selfSignedCert(t);
  const [authority, az] = await Promise.all([startAuthority(t, tls), startAzurite(t, { tls, oauth: true })]);
  const proxy = await startTlsProxy(t, tls, az.port);
  const env = {
    NODE_EXTRA_CA_CERTS: tls.cert,
    AZURE_STORAGE_CONNECTION_STRING: '',
    AZURE_STORAGE_KEY: '',
    AZURE_CLIENT_SECRET: '',
    AZURE_CLIENT_ID: '',
    AZURE_TENANT_ID: '',
  };
  // The container, made with the account key straight at Azurite (a child process that trusts the certificate).
  execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { BlobServiceClient } from '@azure/storage-blob'; await BlobServiceClient.fromConnectionString(${JSON.stringify(azuriteConnectionString(az.url))}).getContainerClient('backups').create();`,
    ],
    { cwd: repo, env: { ...process.env, ...env }, stdio: 'pipe' },
  );
  const dest = {
    Name: 'entra',
    Url: `azblob://${AZURITE_ACCOUNT}/backups/prod`,
    AccountUrl: `${proxy.url}/${AZURITE_ACCOUNT}`,
    Auth: 'ClientSecret',
    TenantId: TENANT,
    ClientId: CLIENT,
    AuthorityHost: authority.url,
    MaxAttempts: 2,
  };
  const { dir, config } = await quickSandbox(t, {}, { BackupConfiguration: { CloudDestinations: [dest] } });
  const run = (secret: string) =>
    runCli(['backup', '--request-stdin', '--json'], {
      input: JSON.stringify({
        command: 'backup',
        params: { BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config },
        secrets: { 'entra.ClientSecret': secret },
        dryRun: false,
      }),
      env,
    });

  const ok = await run(SECRET);
  const r = ok.result!;
  t.is(ok.code, 0, `${String(r?.['message'])} ${ok.stderr.slice(-600)}`);
  const d = (r['destinations'] as Array<Record<string, unknown>>).find((x) => x['name'] === 'entra')!;
  t.is(d['status'], 'ok');
  t.is(d['verified'], true);
  t.true(authority.tokenRequests.length >= 1);
  t.like(authority.tokenRequests[0], { grant_type: 'client_credentials', client_id: CLIENT, client_secret: SECRET });
  t.regex(authority.tokenRequests[0]!['scope'] ?? '', /https:\/\/storage\.azure\.com\/\.default/);
  const name = String(r['archivePath']).split(/[\\/]/).pop()!;
  t.true(
    proxy.records.some((x) => x.method === 'PUT' && x.url.includes(name)),
    'the archive went through the proxy',
  );
  t.deepEqual(
    [...new Set(proxy.records.map((x) => x.authorization))],
    [`Bearer ${authority.token}`],
    'every request to Azurite carried the bearer token of the authority',
  );
  const log = readFileSync(String(r['logPath']), 'utf8');
  for (const text of [ok.stdout, ok.stderr, log]) {
    t.false(text.includes(SECRET), 'the client secret is nowhere');
    t.false(text.includes(authority.token), 'nor the token');
  }

  const wrong = 'Wrong-client-secret-0000';
  const bad = await run(wrong);
  t.is(bad.code, 4, String(bad.result?.['message']));
  t.regex(String(bad.result?.['message']), new RegExp(`entra \\(azblob://${AZURITE_ACCOUNT}/backups/prod\\): credentials refused`));
  t.false(bad.stdout.includes(wrong) || bad.stderr.includes(wrong), 'the refused secret is nowhere');
});
