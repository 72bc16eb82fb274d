// OAuth access tokens for Vertex AI from a service account (google-auth-library's JWT client,
// scope cloud-platform). Tokens are cached per service account until a minute before they
// expire, and concurrent requests share one fetch. The key file's token_uri is honoured (Google
// writes https://oauth2.googleapis.com/token there; private endpoints and tests use others). A
// failed fetch is a 502 for this attempt; the key never appears in logs or errors.
import { createHash } from 'node:crypto';
import { JWT, type Credentials } from 'google-auth-library';
import { GatewayError } from '../../../lib/errors';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
/** Refresh this long before expiry, so a token never expires in flight. */
const EARLY_REFRESH_MS = 60_000;

export interface ServiceAccount {
  clientEmail: string;
  privateKey: string;
  tokenUri?: string | undefined;
}

export class ServiceAccountTokenSource {
  private readonly client: JWT;
  private cached: { token: string; expiresAt: number } | undefined;
  private inflight: Promise<string> | undefined;

  constructor(account: ServiceAccount) {
    this.client = new JWT({
      email: account.clientEmail,
      key: account.privateKey,
      scopes: [CLOUD_PLATFORM_SCOPE],
    });
    const tokenUri = account.tokenUri;
    if (tokenUri !== undefined && tokenUri !== GOOGLE_TOKEN_URI) {
      // google-auth-library always posts to Google's endpoint; point it at the key's token_uri.
      this.client.transporter.interceptors.request.add({
        resolved: (options) => {
          if (String(options.url) === GOOGLE_TOKEN_URI) options.url = new URL(tokenUri);
          return Promise.resolve(options);
        },
      });
    }
  }

  token(now = Date.now()): Promise<string> {
    if (this.cached && this.cached.expiresAt - EARLY_REFRESH_MS > now)
      return Promise.resolve(this.cached.token);
    this.inflight ??= this.fetch().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetch(): Promise<string> {
    let credentials: Credentials;
    try {
      credentials = await this.client.authorize();
    } catch {
      throw new GatewayError('upstream_error', 'The gateway could not obtain a Vertex AI access token.');
    }
    const token = credentials.access_token;
    if (typeof token !== 'string' || token === '')
      throw new GatewayError('upstream_error', 'The Vertex AI token endpoint returned no access token.');
    this.cached = { token, expiresAt: credentials.expiry_date ?? Date.now() + 300_000 };
    return token;
  }
}

const sources = new Map<string, ServiceAccountTokenSource>();

/** The token source of a service account, shared by every request and backend that uses it. */
export function tokenSourceFor(account: ServiceAccount): ServiceAccountTokenSource {
  const key = createHash('sha256')
    .update(`${account.clientEmail}\n${account.tokenUri ?? ''}\n${account.privateKey}`)
    .digest('hex');
  let source = sources.get(key);
  if (!source) {
    source = new ServiceAccountTokenSource(account);
    sources.set(key, source);
  }
  return source;
}
