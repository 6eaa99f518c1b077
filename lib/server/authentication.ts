import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { PieChatError } from '../errors.js';
import type { Member } from './member.js';
import type { AuthorizeAction, AuthorizedUser, AuthRequest, AuthResult, ResolvedSecurityOptions, TlsIdentity } from './security-options.js';

/** Who a user turned out to be: the name it is admitted under, and what the hook attached. */
export interface Admission {
  name: string;
  data?: Readonly<Record<string, unknown>>;
}

/** The client certificate of `socket`, if it is a TLS socket. */
export function tlsIdentityOf(socket: Socket): TlsIdentity | undefined {
  if (!(socket instanceof TLSSocket)) return undefined;
  const identity: TlsIdentity = { authorized: socket.authorized };
  if (socket.authorizationError !== undefined && socket.authorizationError !== null) identity.authorizationError = String(socket.authorizationError);
  const certificate = socket.getPeerCertificate();
  if (certificate !== null && typeof certificate === 'object' && Object.keys(certificate).length > 0) {
    // Only string fields, into a fresh object: nothing of the certificate reaches a prototype.
    const subject: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [field, value] of Object.entries(certificate.subject ?? {})) if (typeof value === 'string') subject[field] = value;
    identity.subject = subject;
    if (typeof certificate.fingerprint256 === 'string') identity.fingerprint256 = certificate.fingerprint256;
  }
  return identity;
}

/**
 * Runs the `authenticate` hook (if any) on `request`. Resolves with the admission; rejects with
 * `ERR_AUTH` when the hook refuses, returns nonsense or throws (`reportError` hears of the
 * latter two, with the cause).
 */
export async function authenticate(
  options: ResolvedSecurityOptions,
  request: AuthRequest,
  reportError: (error: PieChatError) => void,
): Promise<Admission> {
  const hook = options.authenticate;
  if (hook === undefined) return { name: request.name };
  let result: AuthResult;
  try {
    result = await hook(request);
  } catch (error) {
    reportError(new PieChatError('ERR_INTERNAL', 'The authenticate hook threw; the user was refused', { cause: error }));
    throw new PieChatError('ERR_AUTH', 'Authentication failed');
  }
  if (result === true) return { name: request.name };
  if (result === false) throw new PieChatError('ERR_AUTH', 'Authentication failed');
  if (typeof result === 'object' && result !== null && result.allow === false) {
    throw new PieChatError('ERR_AUTH', typeof result.message === 'string' && result.message !== '' ? result.message : 'Authentication failed');
  }
  if (typeof result === 'object' && result !== null && result.allow === true) {
    const name = result.name ?? request.name;
    if (typeof name !== 'string') {
      reportError(new PieChatError('ERR_INTERNAL', `The authenticate hook returned a name that is not a string: ${typeof name}`));
      throw new PieChatError('ERR_AUTH', 'Authentication failed');
    }
    return result.data === undefined ? { name } : { name, data: result.data };
  }
  reportError(new PieChatError('ERR_INTERNAL', 'The authenticate hook returned neither a boolean nor { allow }'));
  throw new PieChatError('ERR_AUTH', 'Authentication failed');
}

/** A member as the `authorize` hook sees it. */
export function authorizedUser(member: Member): AuthorizedUser {
  const user: AuthorizedUser = { name: member.name, address: member.address, mode: member.mode };
  if (member.authData !== undefined) user.data = member.authData;
  return user;
}

/** The action without the user it concerns (filled in by {@link Authorizer.check}). */
export type PendingAction = AuthorizeAction extends infer A ? (A extends AuthorizeAction ? Omit<A, 'user'> : never) : never;

/**
 * Applies the default rules and the `authorize` hook to actions of members; throws
 * `ERR_FORBIDDEN` on a refusal. A hook that throws refuses, and is reported.
 */
export class Authorizer {
  readonly #hook: ResolvedSecurityOptions['authorize'];
  readonly #reportError: (error: PieChatError) => void;

  constructor(hook: ResolvedSecurityOptions['authorize'], reportError: (error: PieChatError) => void) {
    this.#hook = hook;
    this.#reportError = reportError;
  }

  /** Whether a hook is set (without one, only the defaults apply and nothing else is built). */
  get active(): boolean {
    return this.#hook !== undefined;
  }

  /** Throws `ERR_FORBIDDEN` with `message` unless `member` may do `action`. */
  check(member: Member, action: PendingAction, message: string): void {
    if (!this.allows(member, action)) throw new PieChatError('ERR_FORBIDDEN', message);
  }

  /** Whether `member` may do `action` (the defaults, then the hook). */
  allows(member: Member, action: PendingAction): boolean {
    const hook = this.#hook;
    if (hook === undefined) return action.allowed;
    let answer: unknown;
    try {
      answer = hook({ ...action, user: authorizedUser(member) } as AuthorizeAction);
    } catch (error) {
      this.#reportError(new PieChatError('ERR_INTERNAL', 'The authorize hook threw; the action was refused', { cause: error }));
      return false;
    }
    if (typeof answer !== 'boolean') {
      this.#reportError(new PieChatError('ERR_INTERNAL', `The authorize hook returned ${answer instanceof Promise ? 'a promise' : typeof answer}, not a boolean; the action was refused`));
      return false;
    }
    return answer;
  }
}
