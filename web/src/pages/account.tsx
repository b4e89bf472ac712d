import { useState } from 'preact/hooks';
import { auth, session } from '../api';
import { PasswordForm } from '../session';
import { useSignal } from '../state';
import { Action, copyText, Empty, ErrorBox, Field, fmtTime, Spinner, useAsync } from '../ui';

export default function Account() {
  const s = useSignal(session)!;
  const me = useAsync(() => auth('GET', `/get_user/${s.uid}`), []);
  const tokens = useAsync(() => auth('GET', `/token/${s.uid}`), []);
  const [prof, setProf] = useState<{ name: string; email: string } | null>(null);
  const [err, setErr] = useState('');
  const [ok, setOk] = useState('');
  const [tname, setTname] = useState('');
  const [days, setDays] = useState('30');
  const [newTok, setNewTok] = useState('');
  const u = me.data || {};
  const p = prof || { name: u.name || '', email: u.email || '' };
  const list: any[] = tokens.data?.apiTokens || [];
  return <div>
    <h2>Account settings</h2>
    <ErrorBox error={err || me.error} />{ok && <div class="ok">{ok}</div>}
    <div class="grid2">
      <form class="card" onSubmit={e => e.preventDefault()}><h3>Profile</h3>
        {me.loading ? <Spinner /> : <>
          <p>Username: <b>{s.username}</b> · role {s.role}</p>
          <Field label="Name"><input name="name" value={p.name} onInput={e => setProf({ ...p, name: e.currentTarget.value })} /></Field>
          <Field label="E-mail" error={p.email && !/^[^@\s]+@[^@\s]+$/.test(p.email) ? 'not an e-mail address' : null}>
            <input name="email" value={p.email} onInput={e => setProf({ ...p, email: e.currentTarget.value })} /></Field>
          <Action onError={setErr} run={async () => { setErr(''); await auth('POST', '/update/details', p); setOk('Profile saved.'); me.reload(); }}>Save profile</Action></>}
      </form>
      <div><h3>Password</h3><PasswordForm done={() => setOk('Password changed.')} /></div>
    </div>
    <div class="card"><h3>API tokens</h3>
      <p class="muted">For riftctl and scripts: a token acts as you until it expires or you remove it.</p>
      <form class="row" onSubmit={e => e.preventDefault()}>
        <Field label="Token name"><input name="tokenName" value={tname} onInput={e => setTname(e.currentTarget.value)} /></Field>
        <Field label="Days valid (1–365)" error={/^\d+$/.test(days) && +days >= 1 && +days <= 365 ? null : '1 to 365'}>
          <input name="tokenDays" value={days} onInput={e => setDays(e.currentTarget.value)} /></Field>
        <Action testid="create-token" onError={setErr} run={async () => {
          setErr('');
          if (!tname.trim()) throw new Error('Give the token a name.');
          const r = await auth('POST', '/create_token', { user_id: s.uid, name: tname.trim(), days_until_expiration: Number(days) });
          setNewTok(r.accessToken || r.token || ''); setTname(''); tokens.reload();
        }}>Create token</Action>
      </form>
      {newTok && <div class="install"><p>Copy the token now: it is not shown again.</p><pre data-testid="new-token">{newTok}</pre>
        <button onClick={() => copyText(newTok)}>Copy</button></div>}
      <ErrorBox error={tokens.error} onRetry={tokens.reload} />
      {tokens.loading ? <Spinner /> : list.length === 0 ? <Empty title="No API tokens" /> :
        <table class="list"><thead><tr><th>Name</th><th>Created</th><th>Expires</th><th></th></tr></thead><tbody>
          {list.map(t => <tr><td>{t.name}</td><td>{fmtTime(t.createdAt)}</td><td>{fmtTime(t.expiresAt)}</td>
            <td><Action cls="danger" confirm={`Remove token "${t.name}"?`} onError={setErr} run={async () => { await auth('POST', '/remove_token', { token: t.tokenID, userID: s.uid }); tokens.reload(); }}>Remove</Action></td></tr>)}
        </tbody></table>}
    </div>
  </div>;
}
