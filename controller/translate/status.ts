// What translate() tells the status writers: one StatusUpdate per object whose status we own,
// with conditions typed by the reason constants below (named as the Gateway API names them,
// plus a few of Tollgate's own for its CRDs).
import type { Kind } from '../api';

export interface StatusUpdate {
  kind: Kind;
  namespace?: string;
  name: string;
  /** The whole `.status` we own: conditions (and parents/listeners as the kind has them). */
  status: object;
}

export const ConditionType = {
  Accepted: 'Accepted',
  ResolvedRefs: 'ResolvedRefs',
  Programmed: 'Programmed',
  Conflicted: 'Conflicted',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

export const Reason = {
  Accepted: 'Accepted',
  Invalid: 'Invalid',
  InvalidParameters: 'InvalidParameters',
  Programmed: 'Programmed',
  ResolvedRefs: 'ResolvedRefs',
  // Gateway
  ListenersNotValid: 'ListenersNotValid',
  // Listener
  UnsupportedProtocol: 'UnsupportedProtocol',
  UnsupportedValue: 'UnsupportedValue',
  InvalidCertificateRef: 'InvalidCertificateRef',
  InvalidRouteKinds: 'InvalidRouteKinds',
  RefNotPermitted: 'RefNotPermitted',
  NoConflicts: 'NoConflicts',
  ProtocolConflict: 'ProtocolConflict',
  HostnameConflict: 'HostnameConflict',
  // Routes on a parent
  NoMatchingParent: 'NoMatchingParent',
  NotAllowedByListeners: 'NotAllowedByListeners',
  NoMatchingListenerHostname: 'NoMatchingListenerHostname',
  BackendNotFound: 'BackendNotFound',
  InvalidKind: 'InvalidKind',
  // Tollgate's own: an AIBackend whose credential Secret (or key) is missing.
  SecretNotFound: 'SecretNotFound',
  // Policies (AIBudget, AIGuardrail, AIClientPolicy), as Gateway API policy attachment names them
  TargetNotFound: 'TargetNotFound',
  Conflicted: 'Conflicted',
  // A Secret the policy reads holds something unusable (an API key hash, a JWKS, a CA bundle).
  InvalidSecret: 'InvalidSecret',
  // An mtls policy where no HTTPS listener can verify client certificates.
  NoHTTPSListener: 'NoHTTPSListener',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];
