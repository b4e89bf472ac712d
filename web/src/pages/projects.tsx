import { useState } from 'preact/hooks';
import { auth, patchSession, session } from '../api';
import { useSignal } from '../state';
import { Action, Empty, ErrorBox, Field, fmtTime, Spinner, useAsync } from '../ui';

function roleIn(p: any, uid: string) {
  return (p.members || []).find((m: any) => m.userID === uid)?.role || '';
}

export function switchProject(p: any) {
  const s = session.get()!;
  patchSession({ projectID: p.projectID, projectName: p.name, projectRole: roleIn(p, s.uid) });
}

export function ProjectSwitch() {
  const s = useSignal(session)!;
  const { data } = useAsync(() => auth('GET', '/list_projects?limit=50&sortField=name&sortAscending=true'), [s.token]);
  const list: any[] = data?.data?.projects || [];
  if (s.projectID && !s.projectName) {
    const p = list.find(x => x.projectID === s.projectID);
    if (p) setTimeout(() => switchProject(p));
  }
  return <select class="project" aria-label="Project" data-testid="project-switch" value={s.projectID}
    onChange={e => { const p = list.find(x => x.projectID === e.currentTarget.value); if (p) switchProject(p); }}>
    {!list.some(p => p.projectID === s.projectID) && <option value={s.projectID}>{s.projectName || 'Project…'}</option>}
    {list.map(p => <option value={p.projectID}>{p.name}</option>)}
  </select>;
}

export function Projects() {
  const s = useSignal(session)!;
  const [name, setName] = useState('');
  const [err, setErr] = useState('');
  const [filter, setFilter] = useState('');
  const list = useAsync(() => auth('GET', `/list_projects?limit=50&sortField=name&sortAscending=true&projectName=${encodeURIComponent(filter)}`), [filter]);
  const inv = useAsync(() => auth('GET', '/list_invitations_with_filters/Pending'), []);
  const projects: any[] = list.data?.data?.projects || [];
  const invitations: any[] = inv.data?.data || [];
  const reload = () => { list.reload(); inv.reload(); };
  return <div>
    <h2>Projects</h2>
    <ErrorBox error={err} />
    <form class="row card" onSubmit={e => e.preventDefault()}>
      <Field label="New project name"><input name="projectName" value={name} onInput={e => setName(e.currentTarget.value)} /></Field>
      <Action cls="primary" testid="create-project" onError={setErr} run={async () => {
        setErr('');
        if (!name.trim()) throw new Error('Give the project a name.');
        const r = await auth('POST', '/create_project', { projectName: name.trim() });
        setName('');
        switchProject(r.data);
        reload();
      }}>Create project</Action>
    </form>
    {invitations.length > 0 && <div class="card"><h3>Invitations</h3>
      <table><tbody>{invitations.map(i => <tr>
        <td>{i.projectName || i.name || i.projectID}</td><td>as {i.invitationRole}</td>
        <td class="actions">
          <Action run={async () => { await auth('POST', '/accept_invitation', { projectID: i.projectID, userID: s.uid }); reload(); }} onError={setErr}>Accept</Action>
          <Action run={async () => { await auth('POST', '/decline_invitation', { projectID: i.projectID, userID: s.uid }); reload(); }} onError={setErr}>Decline</Action>
        </td></tr>)}</tbody></table></div>}
    <input class="search" placeholder="Filter by name" value={filter} onInput={e => setFilter(e.currentTarget.value)} />
    <ErrorBox error={list.error} onRetry={reload} />
    {list.loading && !list.data ? <Spinner /> : projects.length === 0 ? <Empty title="No projects">Create one above, or accept an invitation.</Empty> :
      <table class="list"><thead><tr><th>Name</th><th>Your role</th><th>Created</th><th></th></tr></thead><tbody>
        {projects.map(p => <ProjectRow p={p} current={p.projectID === s.projectID} role={roleIn(p, s.uid)} reload={reload} setErr={setErr} />)}
      </tbody></table>}
  </div>;
}

function ProjectRow({ p, current, role, reload, setErr }: any) {
  const [edit, setEdit] = useState<string | null>(null);
  return <tr class={current ? 'current' : ''} data-project={p.name}>
    <td>{edit === null ? p.name : <input value={edit} aria-label="Project name" onInput={e => setEdit(e.currentTarget.value)} />}{current && <span class="badge">current</span>}</td>
    <td>{role}</td><td>{fmtTime(p.createdAt)}</td>
    <td class="actions">
      {!current && <button onClick={() => switchProject(p)}>Switch</button>}
      {role === 'Owner' && (edit === null ? <button onClick={() => setEdit(p.name)}>Rename</button> :
        <Action onError={setErr} run={async () => {
          await auth('POST', '/update_project_name', { projectID: p.projectID, projectName: edit.trim() });
          if (current) patchSession({ projectName: edit.trim() });
          setEdit(null); reload();
        }}>Save</Action>)}
      {role === 'Owner' && <Action cls="danger" confirm={`Delete project "${p.name}" and everything in it?`} onError={setErr} run={async () => {
        await auth('POST', `/delete_project/${p.projectID}`);
        if (current) patchSession({ projectID: '', projectName: '', projectRole: '' });
        reload();
      }}>Delete</Action>}
    </td></tr>;
}
