// The emergency stop's confirm dialog (estop.tsx), with an optional reason; a global admin can also
// stop every project.
import { useState } from 'preact/hooks';
import { gql, pid, session } from './api';
import { changed, FIELDS } from './estop';
import { Action, ErrorBox } from './ui';

const PRESS = `mutation($p: ID!, $r: String) { emergencyStop(projectID: $p, reason: $r) { ${FIELDS} } }`;
const PRESS_ALL = `mutation($r: String) { emergencyStopAll(reason: $r) { ${FIELDS} } }`;

export default function EstopDialog({ admin, close }: { admin: boolean; close: () => void }) {
  const [reason, setReason] = useState('');
  const [err, setErr] = useState('');
  const press = (all: boolean) => async () => {
    setErr('');
    if (all && !window.confirm('Stop every run of EVERY project on this Rift server?')) return;
    await gql(all ? PRESS_ALL : PRESS, { p: pid(), r: reason.trim() || null });
    changed.set(changed.get() + 1);
    close();
  };
  return <div class="modal" role="dialog" aria-modal="true" aria-labelledby="estop-title" onKeyDown={e => e.key === 'Escape' && close()}>
    <form class="card" onSubmit={e => e.preventDefault()}>
      <h3 id="estop-title">Emergency stop</h3>
      <p>Stop every running experiment of <b>{session.get()?.projectName || 'this project'}</b> now? Every fault is
        reverted on every infrastructure, and no run starts until an Owner releases the stop.</p>
      <ErrorBox error={err} />
      <label class="field"><span>Reason (optional, recorded in the audit trail)</span>
        <input name="estopReason" maxLength={512} value={reason} onInput={e => setReason(e.currentTarget.value)} autoFocus /></label>
      <div class="row">
        <Action cls="primary stopper" testid="estop-confirm" onError={setErr} run={press(false)}>Stop every run of this project</Action>
        {admin && <Action cls="danger" testid="estop-all" onError={setErr} run={press(true)}>Stop everything (all projects)</Action>}
        <span class="grow" /><button type="button" onClick={close}>Cancel</button>
      </div>
    </form>
  </div>;
}
