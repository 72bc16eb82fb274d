// Entra ID (Azure AD) access tokens for Azure OpenAI backends: the OAuth2 client-credentials
// grant at {authorityHost}/{tenantId}/oauth2/v2.0/token with a client secret, or with a federated
// token (workload identity: client_assertion of type jwt-bearer read from the token file, which
// is read again on every fetch because it rotates). Tokens are cached per (authority, tenant,
// client, scope, credential) until 5 minutes before expires_in, and concurrent requests share one
// fetch (single flight). A failed fetch is a 502 naming the backend and Entra's error code, never
// the secret, the assertion or the token; a still-valid cached token survives a failed refresh.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { GatewayError } from '../../../lib/errors';
import type { BackendConfig } from '../../config/schema';

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';
export const DEFAULT_ENTRA_SCOPE = 'https://cognitiveservices.azure.com/.default';
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Refresh this long before expiry, so a token never expires in flight. */
export const EARLY_REFRESH_MS = 5 * 60_000;
const TIMEOUT_MS = 10_000;

export type EntraSettings = NonNullable<NonNullable<BackendConfig['azure']>['entra']>;

/** Why a token fetch failed, without any secret: safe for logs and client errors. */
export class EntraError extends Error {}

export interface EntraOptions {
  now?: () => number;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export function tokenEndpoint(settings: EntraSettings): string {
  return `${settings.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(settings.tenantId)}/oauth2/v2.0/token`;
}

export class EntraTokenSource {
  private cached: { token: string; expiresAt: number } | undefined;
  private inflight: Promise<{ token: string; expiresAt: number }> | undefined;
  private readonly now: () => number;

  constructor(
    readonly settings: EntraSettings,
    private readonly options: EntraOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async token(): Promise<string> {
    let current = this.cached;
    if (!current || current.expiresAt - EARLY_REFRESH_MS <= this.now()) {
      this.inflight ??= this.fetch().finally(() => {
        this.inflight = undefined;
      });
      try {
        current = await this.inflight;
      } catch (err) {
        if (!current || current.expiresAt <= this.now()) throw err;
      }
    }
    return current.token;
  }

  private async credentialFields(): Promise<Record<string, string>> {
    const { clientSecret, federatedTokenFile } = this.settings;
    if (clientSecret !== undefined) return { client_secret: clientSecret };
    const file = federatedTokenFile || (this.options.env ?? process.env).AZURE_FEDERATED_TOKEN_FILE;
    if (!file)
      throw new EntraError('no client secret and no federated token file (AZURE_FEDERATED_TOKEN_FILE)');
    let assertion: string;
    try {
      assertion = (await readFile(file, 'utf8')).trim();
    } catch {
      throw new EntraError(`the federated token file ${file} cannot be read`);
    }
    if (assertion === '') throw new EntraError(`the federated token file ${file} is empty`);
    return { client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: assertion };
  }

  private async fetch(): Promise<{ token: string; expiresAt: number }> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.settings.clientId,
      scope: this.settings.scope,
      ...(await this.credentialFields()),
    });
    const url = tokenEndpoint(this.settings);
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? TIMEOUT_MS),
      });
    } catch {
      throw new EntraError(`the token endpoint ${url} is unreachable`);
    }
    let doc: Record<string, unknown> = {};
    try {
      const parsed: unknown = await res.json();
      if (typeof parsed === 'object' && parsed !== null) doc = parsed as Record<string, unknown>;
    } catch {
      doc = {};
    }
    if (res.status !== 200) {
      const code = typeof doc.error === 'string' && /^[a-z_]{1,64}$/.test(doc.error) ? ` ${doc.error}` : '';
      throw new EntraError(`the token endpoint answered HTTP ${res.status}${code}`);
    }
    const token = doc.access_token;
    const expiresIn = Number(doc.expires_in);
    if (typeof token !== 'string' || token === '' || !Number.isFinite(expiresIn) || expiresIn <= 0)
      throw new EntraError('the token endpoint answered without access_token or expires_in');
    const fresh = { token, expiresAt: this.now() + expiresIn * 1000 };
    this.cached = fresh;
    return fresh;
  }
}

const sources = new Map<string, EntraTokenSource>();

/** The token source for these settings, shared by every request and backend that names them. */
export function entraTokenSource(settings: EntraSettings): EntraTokenSource {
  const key = createHash('sha256')
    .update(
      JSON.stringify([
        settings.authorityHost,
        settings.tenantId,
        settings.clientId,
        settings.scope,
        settings.clientSecret ?? '',
        settings.federatedTokenFile ?? '',
      ]),
    )
    .digest('hex');
  let source = sources.get(key);
  if (!source) {
    source = new EntraTokenSource(settings);
    sources.set(key, source);
  }
  return source;
}

/** `Authorization: Bearer` for an Entra backend; rejects with a 502 naming the backend. */
export async function entraAuthorization(
  backend: BackendConfig,
  entra: EntraSettings,
): Promise<[string, string]> {
  try {
    return ['authorization', `Bearer ${await entraTokenSource(entra).token()}`];
  } catch (err) {
    const why = err instanceof EntraError ? err.message : 'the token fetch failed';
    throw new GatewayError(
      'upstream_error',
      `The gateway could not obtain an Entra ID token for Azure OpenAI backend ${backend.key}: ${why}.`,
    );
  }
}
