// The emergency stop, on every page (docs/safety.md): any project member can press it (a confirm dialog
// with an optional reason); while a stop is active a banner says who pressed it and when, with a
// Release button for those allowed; a global admin can also stop every project.
import { lazy, Suspense } from 'preact/compat';
import { useState } from 'preact/hooks';
import { gql, pid, session } from './api';
import { canRelease, StopStatus, stopWords } from './lib/safety';
import { signal, useSignal } from './state';
import { Action, ErrorBox, fmtTime, useAsync } from './ui';

export const FIELDS = 'active scope reason stoppedBy stoppedAt runsStopped';
const GET = `query($p: ID!) { getEmergencyStop(projectID: $p) { ${FIELDS} } }`;
const RELEASE = `mutation($p: ID!) { releaseEmergencyStop(projectID: $p) { ${FIELDS} } }`;
const RELEASE_ALL = `mutation { releaseEmergencyStopAll { ${FIELDS} } }`;
/** The confirm dialog is loaded when the button is first pressed. */
const EstopDialog = lazy(() => import('./estop-dialog'));

/** Bumped after a press or release so the banner reads the state again at once. */
export const changed = signal(0);

export function EstopButton() {
  const [open, setOpen] = useState(false);
  const s = session.get();
  if (!s?.projectID) return null;
  return <>
    <button class="estop" data-testid="estop" onClick={() => setOpen(true)} title="Stop every running experiment of this project now">■ Emergency stop</button>
    {open && <Suspense fallback={null}><EstopDialog admin={s.role === 'admin'} close={() => setOpen(false)} /></Suspense>}
  </>;
}

export function EstopBanner() {
  const n = useSignal(changed);
  const s = session.get();
  const [err, setErr] = useState('');
  const { data } = useAsync(() => s?.projectID ? gql(GET, { p: s.projectID }) : Promise.resolve(null), [s?.projectID, n], 4000);
  const st: StopStatus | undefined = data?.getEmergencyStop;
  if (!s || !st?.active) return null;
  const all = st.scope === 'global';
  return <div class="estop-banner" role="alert" data-testid="estop-banner">
    <b>■</b> <span>{stopWords(st, fmtTime(st.stoppedAt))}</span>
    <ErrorBox error={err} />
    {canRelease(st, s.projectRole, s.role) && <Action testid={all ? 'estop-release-all' : 'estop-release'} onError={setErr}
      confirm={all ? 'Release the stop of every project?' : 'Release the emergency stop? Runs can start again.'}
      run={async () => { setErr(''); await gql(all ? RELEASE_ALL : RELEASE, { p: pid() }); changed.set(changed.get() + 1); }}>Release</Action>}
  </div>;
}
