import { render } from 'preact';
import { lazy, Suspense } from 'preact/compat';
import { useEffect, useState } from 'preact/hooks';
import { auth, session, setSession } from './api';
import { go, PasswordForm, startSession } from './session';
import { useSignal } from './state';
import { Action, ErrorBox, Field, Spinner } from './ui';
import { Projects, ProjectSwitch } from './pages/projects';
import { Experiments } from './pages/experiments';
import { EstopBanner, EstopButton } from './estop';
import './styles.css';

const Overview = lazy(() => import('./pages/overview'));
const Infras = lazy(() => import('./pages/infras'));
const Hub = lazy(() => import('./pages/hub'));
const Builder = lazy(() => import('./pages/builder'));
const RunDetail = lazy(() => import('./pages/run'));
const Account = lazy(() => import('./pages/account'));
const Users = lazy(() => import('./pages/users'));
const Members = lazy(() => import('./pages/members'));
const Audit = lazy(() => import('./pages/audit'));

function useRoute(): string[] {
  const get = () => (location.hash.replace(/^#\/?/, '') || 'overview').split('?')[0].split('/').filter(Boolean);
  const [r, setR] = useState(get);
  useEffect(() => {
    const f = () => setR(get());
    addEventListener('hashchange', f);
    return () => removeEventListener('hashchange', f);
  }, []);
  return r;
}

function Login() {
  const [u, setU] = useState('');
  const [p, setP] = useState('');
  const [err, setErr] = useState(sessionStorage.getItem('rift.notice') || '');
  useEffect(() => sessionStorage.removeItem('rift.notice'), []);
  const submit = async () => {
    setErr('');
    if (!u || !p) { setErr('Enter your username and password.'); return; }
    const r = await auth('POST', '/login', { username: u, password: p });
    const next = await startSession(r.accessToken, r.projectID, r.projectRole);
    go(next === 'change' ? '/change-password' : '/overview');
  };
  return <div class="center"><form class="card login" onSubmit={e => e.preventDefault()}>
    <h1>Rift Chaos Center</h1>
    <ErrorBox error={err} />
    <Field label="Username"><input name="username" autoComplete="username" value={u} onInput={e => setU(e.currentTarget.value)} /></Field>
    <Field label="Password"><input name="password" type="password" autoComplete="current-password" value={p} onInput={e => setP(e.currentTarget.value)} /></Field>
    <Action cls="primary" run={submit} onError={setErr} testid="login">Log in</Action>
  </form></div>;
}

async function logout() {
  try { await auth('POST', '/logout'); } catch { /* the token is dropped anyway */ }
  setSession(null);
  go('/login');
}

const NAV: [string, string][] = [['overview', 'Overview'], ['experiments', 'Experiments'], ['infrastructures', 'Infrastructures'],
  ['hub', 'Chaos hub'], ['members', 'Members'], ['projects', 'Projects'], ['account', 'Account']];

function Shell() {
  const s = useSignal(session);
  const r = useRoute();
  if (!s || r[0] === 'login') {
    if (!s && r[0] !== 'login') setTimeout(() => go('/login'));
    return <Login />;
  }
  if (r[0] === 'change-password')
    return <div class="center"><div style="width:26em"><h1>Change your password</h1>
      <PasswordForm forced done={() => go('/overview')} /></div></div>;
  const nav = [...NAV, ...(s.projectRole === 'Owner' || s.role === 'admin' ? [['audit', 'Audit'] as [string, string]] : []),
    ...(s.role === 'admin' ? [['users', 'Users'] as [string, string]] : [])];
  let page;
  switch (r[0]) {
    case 'projects': page = <Projects />; break;
    case 'infrastructures': page = <Infras />; break;
    case 'hub': page = <Hub />; break;
    case 'experiments': page = r[1] === 'new' || r[2] === 'edit' ? <Builder id={r[2] === 'edit' ? r[1] : undefined} clone={r[2] === 'clone' ? r[1] : undefined} />
      : r[2] === 'clone' ? <Builder clone={r[1]} /> : <Experiments />; break;
    case 'runs': page = <RunDetail id={r[1]} />; break;
    case 'account': page = <Account />; break;
    case 'users': page = <Users />; break;
    case 'members': page = <Members />; break;
    case 'audit': page = <Audit />; break;
    default: page = <Overview />;
  }
  return <div class="shell">
    <header>
      <a class="brand" href="#/overview">Rift</a>
      <ProjectSwitch />
      <span class="grow" />
      <EstopButton />
      <span class="who" data-testid="who">{s.username} · {s.projectRole || 'no project'}</span>
      <button class="link" data-testid="logout" onClick={logout}>Log out</button>
    </header>
    <EstopBanner key={s.projectID} />
    <nav>{nav.map(([k, t]) => <a href={'#/' + k} class={r[0] === k || (k === 'overview' && !r[0]) ? 'active' : ''}>{t}</a>)}</nav>
    <main key={s.projectID}><Suspense fallback={<Spinner />}>{s.projectID || ['projects', 'account', 'users', 'audit'].includes(r[0]) ? page :
      <div class="card">You are not a member of any project yet. <a href="#/projects">Create a project</a> or accept an invitation.</div>}</Suspense></main>
  </div>;
}

const root = document.getElementById('app')!;
root.textContent = '';
render(<Shell />, root);
