// The AWS credentials a Bedrock backend signs with: static keys from its Secret, or temporary
// ones from STS AssumeRoleWithWebIdentity (EKS IRSA). Temporary credentials are cached per
// (role, token file, session name, STS endpoint) and shared by every backend that names the same,
// refreshed 5 minutes before they expire; concurrent requests share one STS call (single
// flight); the token file is read again on every refresh because the kubelet rotates it. When a
// refresh fails while the cached credentials are still valid, those are used; otherwise the
// request gets a 502 naming the backend and the reason (never the token or the keys).
import { readFile } from 'node:fs/promises';
import { GatewayError } from '../../../lib/errors';
import type { BackendConfig } from '../../config/schema';
import { StsError, assumeRoleWithWebIdentity, type TemporaryCredentials } from './sts';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Where EKS mounts the projected service-account token when AWS_WEB_IDENTITY_TOKEN_FILE is unset. */
export const DEFAULT_WEB_IDENTITY_TOKEN_FILE = '/var/run/secrets/eks.amazonaws.com/serviceaccount/token';
export const DEFAULT_SESSION_NAME = 'tollgate';
/** Refresh this long before expiry, so credentials never expire in flight. */
export const EARLY_REFRESH_MS = 5 * 60_000;
const STS_TIMEOUT_MS = 10_000;

export interface WebIdentitySettings {
  roleArn: string;
  tokenFile: string;
  sessionName: string;
  stsEndpoint: string;
}

export interface ProviderOptions {
  /** The clock (epoch ms); tests inject one. */
  now?: () => number;
  timeoutMs?: number;
}

export class WebIdentityCredentials {
  private cached: TemporaryCredentials | undefined;
  private inflight: Promise<TemporaryCredentials> | undefined;
  private readonly now: () => number;

  constructor(
    readonly settings: WebIdentitySettings,
    private readonly options: ProviderOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async credentials(): Promise<AwsCredentials> {
    const now = this.now();
    let current = this.cached;
    if (!current || current.expiresAt - EARLY_REFRESH_MS <= now) {
      this.inflight ??= this.fetch().finally(() => {
        this.inflight = undefined;
      });
      try {
        current = await this.inflight;
      } catch (err) {
        // A refresh that fails early is not fatal while the old credentials still hold.
        if (!current || current.expiresAt <= this.now()) throw err;
      }
    }
    const { accessKeyId, secretAccessKey, sessionToken } = current;
    return { accessKeyId, secretAccessKey, sessionToken };
  }

  private async fetch(): Promise<TemporaryCredentials> {
    let token: string;
    try {
      token = (await readFile(this.settings.tokenFile, 'utf8')).trim();
    } catch {
      throw new StsError(`the web identity token file ${this.settings.tokenFile} cannot be read`);
    }
    if (token === '') throw new StsError(`the web identity token file ${this.settings.tokenFile} is empty`);
    const fresh = await assumeRoleWithWebIdentity({
      stsEndpoint: this.settings.stsEndpoint,
      roleArn: this.settings.roleArn,
      sessionName: this.settings.sessionName,
      webIdentityToken: token,
      timeoutMs: this.options.timeoutMs ?? STS_TIMEOUT_MS,
    });
    this.cached = fresh;
    return fresh;
  }
}

/** The web identity settings of a backend, defaults and IRSA's environment filled in. */
export function webIdentitySettings(
  backend: BackendConfig,
  env: NodeJS.ProcessEnv = process.env,
): WebIdentitySettings {
  const bedrock = backend.bedrock;
  const wi = bedrock?.webIdentity;
  const roleArn = wi?.roleArn ?? env.AWS_ROLE_ARN;
  if (!bedrock || !wi || !roleArn)
    throw new GatewayError(
      'internal_error',
      `Bedrock backend ${backend.key} uses web identity but no role ARN is set (roleArn or AWS_ROLE_ARN).`,
    );
  return {
    roleArn,
    tokenFile: wi.tokenFile ?? (env.AWS_WEB_IDENTITY_TOKEN_FILE || DEFAULT_WEB_IDENTITY_TOKEN_FILE),
    sessionName: wi.sessionName ?? DEFAULT_SESSION_NAME,
    stsEndpoint: wi.stsEndpoint ?? `https://sts.${bedrock.region}.amazonaws.com/`,
  };
}

const providers = new Map<string, WebIdentityCredentials>();

/** The shared provider for these settings (one cache and one refresh for all backends). */
export function webIdentityProvider(settings: WebIdentitySettings): WebIdentityCredentials {
  const key = JSON.stringify([
    settings.roleArn,
    settings.tokenFile,
    settings.sessionName,
    settings.stsEndpoint,
  ]);
  let provider = providers.get(key);
  if (!provider) {
    provider = new WebIdentityCredentials(settings);
    providers.set(key, provider);
  }
  return provider;
}

/**
 * The credentials to sign this backend's requests with; undefined when it has none (a Bedrock
 * API key in `auth` instead). Rejects with a 502 GatewayError naming the backend.
 */
export async function bedrockCredentials(backend: BackendConfig): Promise<AwsCredentials | undefined> {
  const bedrock = backend.bedrock;
  if (bedrock?.credentials) return bedrock.credentials;
  if (!bedrock?.webIdentity) return undefined;
  const provider = webIdentityProvider(webIdentitySettings(backend));
  try {
    return await provider.credentials();
  } catch (err) {
    const why = err instanceof StsError ? err.message : 'STS failed';
    throw new GatewayError(
      'upstream_error',
      `The gateway could not obtain AWS credentials for Bedrock backend ${backend.key}: ${why}.`,
    );
  }
}
