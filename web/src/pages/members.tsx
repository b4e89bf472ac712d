import { useState } from 'preact/hooks';
import { auth, isOwner, pid, session } from '../api';
import { Action, Empty, ErrorBox, Field, Spinner, useAsync } from '../ui';

const ROLES = ['Owner', 'Executor', 'Viewer'];

export default function Members() {
  const owner = isOwner();
  const list = useAsync(() => owner ? auth('GET', `/get_project_members/${pid()}/all`) : auth('GET', `/get_project/${pid()}`), []);
  const cands = useAsync(() => owner ? auth('GET', `/invite_users/${pid()}`) : Promise.resolve({ data: [] }), []);
  const [who, setWho] = useState('');
  const [role, setRole] = useState('Viewer');
  const [err, setErr] = useState('');
  const members: any[] = owner ? list.data?.data || [] : list.data?.data?.members || [];
  const users: any[] = cands.data?.data || [];
  const reload = () => { list.reload(); cands.reload(); };
  const me = session.get()!.uid;
  return <div>
    <h2>Members of {session.get()!.projectName}</h2>
    <ErrorBox error={err} />
    {owner && <form class="card row" onSubmit={e => e.preventDefault()}>
      <Field label="Invite user" hint={users.length ? undefined : 'Every user is already a member or invited.'}>
        <select name="invitee" value={who} onChange={e => setWho(e.currentTarget.value)}><option value="">choose…</option>
          {users.map(u => <option value={u.userID}>{u.username}</option>)}</select></Field>
      <Field label="Role"><select name="inviteRole" value={role} onChange={e => setRole(e.currentTarget.value)}>{ROLES.map(r => <option>{r}</option>)}</select></Field>
      <Action cls="primary" testid="invite" onError={setErr} run={async () => {
        setErr('');
        if (!who) throw new Error('Choose whom to invite.');
        await auth('POST', '/send_invitation', { projectID: pid(), userID: who, role }); setWho(''); reload();
      }}>Send invitation</Action>
    </form>}
    {!owner && <p class="muted">Only Owners manage members.</p>}
    <ErrorBox error={list.error} onRetry={reload} />
    {list.loading ? <Spinner /> : members.length === 0 ? <Empty title="No members" /> :
      <table class="list"><thead><tr><th>User</th><th>Role</th><th>Invitation</th><th></th></tr></thead><tbody>
        {members.map(m => <tr data-member={m.username}><td>{m.username}</td>
          <td>{owner && m.userID !== me && m.invitation === 'Accepted' ? <select aria-label={`Role of ${m.username}`} value={m.role} onChange={async e => {
            try { setErr(''); await auth('POST', '/update_member_role', { projectID: pid(), userID: m.userID, role: e.currentTarget.value }); } catch (x) { setErr((x as Error).message); }
            reload();
          }}>{ROLES.map(r => <option>{r}</option>)}</select> : m.role}</td>
          <td>{m.invitation}</td>
          <td>{owner && m.userID !== me && <Action cls="danger" confirm={`Remove ${m.username} from the project?`} onError={setErr}
            run={async () => { await auth('POST', '/remove_invitation', { projectID: pid(), userID: m.userID }); reload(); }}>Remove</Action>}</td></tr>)}
      </tbody></table>}
  </div>;
}
