// Talks to the public APIs only: rift-auth's REST API and rift-backend's GraphQL (+ SSE). Every error
// becomes an ApiError whose message is a sentence a user understands.
import { signal } from './state';

declare global { interface Window { RIFT_CONFIG?: { authURL?: string; apiURL?: string } } }

const cfg = (typeof window !== 'undefined' && window.RIFT_CONFIG) || {};
const here = typeof document !== 'undefined' ? document.baseURI.replace(/[?#].*$/, '').replace(/[^/]*$/, '') : 'http://localhost/';
export const API_BASE = (cfg.apiURL || here).replace(/\/?$/, '/');
export const AUTH_BASE = (cfg.authURL ||
  (typeof location !== 'undefined' ? `${location.protocol}//${location.hostname}:3000` : 'http://localhost:3000')).replace(/\/$/, '');

export class ApiError extends Error {
  constructor(message: string, public code = '', public status = 0) { super(message); }
}

export interface Session {
  token: string; uid: string; username: string; role: string;
  projectID: string; projectName: string; projectRole: string;
}
const KEY = 'rift.session';
export const session = signal<Session | null>(load());
function load(): Session | null {
  try { return JSON.parse(localStorage.getItem(KEY) || 'null'); } catch { return null; }
}
export function setSession(s: Session | null) {
  if (s) localStorage.setItem(KEY, JSON.stringify(s)); else localStorage.removeItem(KEY);
  session.set(s);
}
export function patchSession(p: Partial<Session>) {
  const s = session.get();
  if (s) setSession({ ...s, ...p });
}

const AUTH_WORDS: Record<string, string> = {
  invalid_credentials: 'Wrong username or password.',
  unauthorized: 'Your session has ended. Please log in again.',
  password_change_required: 'You must change your password before you continue.',
  permission_denied: 'You do not have permission to do this.',
  not_found: 'It no longer exists (or you cannot see it).',
  user_exists: 'A user with this name already exists.',
  project_exists: 'A project with this name already exists.',
  already_member: 'This user is already a member or invited.',
  last_owner: 'A project needs at least one Owner: make someone else Owner first.',
  limit_reached: 'A limit was reached: remove something first.',
  too_many_tokens: 'You have too many API tokens: remove one first.',
  request_too_large: 'What you sent is too large.',
  server_error: 'The server had a problem. Try again; if it persists, look at the server log.',
};

/** A sentence for an error the backend's GraphQL gave ("permission denied", field errors, ...). */
export function gqlWords(msg: string): string {
  if (/^permission[ _]denied/i.test(msg)) return 'You do not have permission to do this in this project (ask an Owner for a higher role).';
  if (/missing bearer token|unauthori[sz]ed/i.test(msg)) return 'Your session has ended. Please log in again.';
  if (/password_change_required|password change/i.test(msg)) return 'You must change your password before you continue.';
  if (/^Cannot query field "(\w+)"/.test(msg)) return `This server does not support this yet (${RegExp.$1}).`;
  // a sentence gets its capital; a message that starts with a field path keeps it as the server wrote it
  return /^[a-z]+ /.test(msg) ? msg.charAt(0).toUpperCase() + msg.slice(1) : msg;
}

function unreachable(base: string): ApiError {
  return new ApiError(`Cannot reach the Rift server at ${base}. Check that it is running and that this address is right.`, 'network');
}

export async function auth<T = any>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const s = session.get();
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (s && path !== '/login') headers.Authorization = `Bearer ${s.token}`;
  let r: Response;
  try {
    r = await fetch(AUTH_BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch { throw unreachable(AUTH_BASE); }
  let j: any = null;
  try { j = await r.json(); } catch { /* not JSON */ }
  if (!r.ok) {
    const code = j?.error || '';
    let msg = AUTH_WORDS[code] || j?.errorDescription || `The server answered ${r.status}.`;
    if (code === 'too_many_requests') msg = `Too many attempts. Wait ${r.headers.get('Retry-After') || 'a few'} seconds and try again.`;
    if (code === 'invalid_password' || code === 'invalid_request' || code === 'invalid_role')
      msg = (j?.errorDescription || code).replace(/^./, (c: string) => c.toUpperCase());
    if (code === 'unauthorized' && s && path !== '/logout') expire();
    throw new ApiError(msg, code, r.status);
  }
  return j as T;
}

function expire() {
  setSession(null);
  sessionStorage.setItem('rift.notice', 'Your session has ended. Please log in again.');
}

export async function gql<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const s = session.get();
  let r: Response;
  try {
    r = await fetch(API_BASE + 'query', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(s ? { Authorization: `Bearer ${s.token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  } catch { throw unreachable(API_BASE); }
  let j: any = null;
  try { j = await r.json(); } catch { /* not JSON */ }
  if (r.status === 401) { expire(); throw new ApiError('Your session has ended. Please log in again.', 'unauthorized', 401); }
  if (!j) throw new ApiError(`The server answered ${r.status} without a result.`, '', r.status);
  if (j.errors?.length) throw new ApiError(gqlWords(String(j.errors[0].message)), 'graphql', r.status);
  return j.data as T;
}

export function jwtClaims(token: string): Record<string, any> {
  try {
    return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  } catch { return {}; }
}

export const isOwner = () => session.get()?.projectRole === 'Owner';
export const canRun = () => ['Owner', 'Executor'].includes(session.get()?.projectRole || '');
export const pid = () => session.get()?.projectID || '';
