// Session start (forced password change detection), the password form and navigation.
import { useState } from 'preact/hooks';
import { ApiError, auth, jwtClaims, patchSession, session, setSession } from './api';
import { useSignal } from './state';
import { Action, ErrorBox, Field } from './ui';

export const go = (path: string) => { location.hash = '#' + path; };
/** After a login: is the password change forced? which project? */
export async function startSession(token: string, projectID: string, projectRole: string) {
  const c = jwtClaims(token);
  setSession({ token, uid: c.uid, username: c.username, role: c.role, projectID, projectName: '', projectRole });
  try {
    const u = await auth('GET', `/get_user_with_project/${encodeURIComponent(c.username)}`);
    const projects = u.data?.projects || [];
    const p = projects.find((x: any) => x.projectID === projectID) || projects[0];
    if (p) {
      const me = (p.members || []).find((m: any) => m.userID === c.uid);
      patchSession({ projectID: p.projectID, projectName: p.name, projectRole: me?.role || projectRole });
    }
    return 'ok';
  } catch (e) {
    if (e instanceof ApiError && e.code === 'password_change_required') return 'change';
    throw e;
  }
}

export function passwordProblem(p: string): string | null {
  if (p.length < 8 || p.length > 64) return 'Use 8 to 64 characters.';
  if (!/\d/.test(p) || !/[a-z]/.test(p) || !/[A-Z]/.test(p) || !/[^A-Za-z0-9]/.test(p))
    return 'Use at least one digit, one lowercase letter, one uppercase letter and one symbol.';
  return null;
}

export function PasswordForm({ forced, done }: { forced?: boolean; done: () => void }) {
  const [o, setO] = useState('');
  const [n, setN] = useState('');
  const [n2, setN2] = useState('');
  const [err, setErr] = useState('');
  const [ok, setOk] = useState('');
  const s = useSignal(session);
  const run = async () => {
    setErr(''); setOk('');
    const bad = passwordProblem(n) || (n !== n2 ? 'The two new passwords differ.' : null) || (n === o ? 'Choose a password different from the old one.' : null);
    if (bad) { setErr(bad); return; }
    const r = await auth('POST', '/update/password', { username: s!.username, oldPassword: o, newPassword: n });
    setOk('Password changed.');
    if (forced) {
      const l = await auth('POST', '/login', { username: s!.username, password: n });
      await startSession(l.accessToken, r.projectID || l.projectID, l.projectRole);
    }
    done();
  };
  return <form class="card" onSubmit={e => e.preventDefault()}>
    {forced && <p>This is your first login: choose a new password before you continue.</p>}
    <ErrorBox error={err} />{ok && <div class="ok">{ok}</div>}
    <Field label="Current password"><input name="oldPassword" type="password" value={o} onInput={e => setO(e.currentTarget.value)} /></Field>
    <Field label="New password" error={n && passwordProblem(n)} hint="8–64 characters with a digit, a lowercase and an uppercase letter and a symbol">
      <input name="newPassword" type="password" value={n} onInput={e => setN(e.currentTarget.value)} /></Field>
    <Field label="New password again" error={n2 && n2 !== n ? 'The two new passwords differ.' : null}>
      <input name="newPassword2" type="password" value={n2} onInput={e => setN2(e.currentTarget.value)} /></Field>
    <Action cls="primary" run={run} onError={setErr} testid="change-password">Change password</Action>
  </form>;
}

