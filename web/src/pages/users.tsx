import { useState } from 'preact/hooks';
import { auth, session } from '../api';
import { passwordProblem } from '../session';
import { Action, Empty, ErrorBox, Field, fmtTime, Spinner, useAsync } from '../ui';

export default function Users() {
  const { data, error, loading, reload } = useAsync(() => auth('GET', '/users'), []);
  const [f, setF] = useState({ username: '', password: '', role: 'user', email: '' });
  const [err, setErr] = useState('');
  const [ok, setOk] = useState('');
  if (session.get()?.role !== 'admin') return <ErrorBox error="Only administrators manage users." />;
  const users: any[] = Array.isArray(data) ? data : data?.data || [];
  return <div>
    <h2>Users</h2>
    <ErrorBox error={err} />{ok && <div class="ok">{ok}</div>}
    <form class="card row" onSubmit={e => e.preventDefault()}>
      <Field label="Username" error={f.username && !/^[a-zA-Z0-9][a-zA-Z0-9._@+-]{2,253}$/.test(f.username) ? '3+ letters, digits or . _ @ + -' : null}>
        <input name="newUsername" value={f.username} onInput={e => setF({ ...f, username: e.currentTarget.value })} /></Field>
      <Field label="Initial password" error={f.password ? passwordProblem(f.password) : null}>
        <input name="newUserPassword" type="password" value={f.password} onInput={e => setF({ ...f, password: e.currentTarget.value })} /></Field>
      <Field label="Role"><select name="newUserRole" value={f.role} onChange={e => setF({ ...f, role: e.currentTarget.value })}><option value="user">user</option><option value="admin">admin</option></select></Field>
      <Action cls="primary" testid="create-user" onError={setErr} run={async () => {
        setErr(''); setOk('');
        const bad = passwordProblem(f.password);
        if (!f.username || bad) throw new Error(bad || 'Give a username.');
        await auth('POST', '/create_user', { username: f.username, password: f.password, role: f.role, ...(f.email ? { email: f.email } : {}) });
        setOk(`User ${f.username} created.`); setF({ username: '', password: '', role: 'user', email: '' }); reload();
      }}>Create user</Action>
    </form>
    <ErrorBox error={error} onRetry={reload} />
    {loading ? <Spinner /> : users.length === 0 ? <Empty title="No users" /> :
      <table class="list"><thead><tr><th>Username</th><th>Role</th><th>State</th><th>Created</th><th></th></tr></thead><tbody>
        {users.map(u => <UserRow u={u} reload={reload} setErr={setErr} setOk={setOk} />)}</tbody></table>}
  </div>;
}

function UserRow({ u, reload, setErr, setOk }: any) {
  const [pw, setPw] = useState<string | null>(null);
  const me = u.userID === session.get()?.uid;
  const off = !!u.deactivatedAt || u.isRemoved;
  return <tr data-user={u.username}><td>{u.username}</td><td>{u.role}</td><td>{off ? 'deactivated' : 'active'}</td><td>{fmtTime(u.createdAt)}</td>
    <td class="actions">
      {!me && <Action onError={setErr} run={async () => { await auth('POST', '/update/state', { username: u.username, isDeactivate: !off }); reload(); }}>{off ? 'Activate' : 'Deactivate'}</Action>}
      {pw === null ? <button onClick={() => setPw('')}>Reset password</button> : <>
        <input type="password" aria-label="New password" placeholder="new password" value={pw} onInput={e => setPw(e.currentTarget.value)} />
        <Action onError={setErr} run={async () => {
          const bad = passwordProblem(pw);
          if (bad) throw new Error(bad);
          await auth('POST', '/reset/password', { username: u.username, newPassword: pw });
          setPw(null); setOk(`Password of ${u.username} reset.`);
        }}>Set</Action></>}
    </td></tr>;
}
