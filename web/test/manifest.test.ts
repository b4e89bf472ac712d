import { describe, expect, it } from 'vitest';
import { buildManifest, Fault, httpProbe, Model, newStep, parseManifest, validateModel } from '../src/lib/manifest';
import { fromYAML, toYAML } from '../src/lib/yaml';

const hub: Fault[] = [
  { name: 'linux-network-latency', category: 'network', description: '', tunables: [
    { name: 'NETWORK_LATENCY', type: 'duration', min: 0, max: 3600000, unit: 'ms', description: '' },
    { name: 'DESTINATION_IPS', type: 'list', description: '' }] },
  { name: 'linux-cpu-stress', category: 'cpu', description: '', tunables: [
    { name: 'LOAD', type: 'float', min: 1, max: 100, unit: '%', description: '' }] },
];

function model(): Model {
  const lat = newStep(hub[0], []);
  lat.tunables = { NETWORK_LATENCY: '200', DESTINATION_IPS: ' 10.0.0.2 ', JITTER_UNUSED_EMPTY: '' };
  delete lat.tunables.JITTER_UNUSED_EMPTY;
  lat.probes = ['web'];
  const cpu = newStep(hub[1], [lat.name]);
  cpu.weight = 30;
  return { groups: [{ steps: [lat, cpu] }, { steps: [newStep(hub[0], [lat.name, cpu.name])] }],
    probes: [httpProbe({ name: 'web', mode: 'Continuous', url: 'http://10.0.0.2/', code: '200', timeout: '3s', interval: '1s' })] };
}

describe('manifest', () => {
  it('builds the backend format (trimmed tunables, empty ones left out, defaults written)', () => {
    const m = buildManifest(model()) as any;
    expect(m.groups).toHaveLength(2);
    expect(m.groups[0].steps[0]).toEqual({ name: 'network-latency', fault: 'linux-network-latency', duration: '30s', weight: 10,
      tunables: { NETWORK_LATENCY: '200', DESTINATION_IPS: '10.0.0.2' }, probes: ['web'] });
    expect(m.groups[0].steps[1]).toEqual({ name: 'cpu-stress', fault: 'linux-cpu-stress', duration: '30s', weight: 30 });
    expect(m.groups[1].steps[0].name).toBe('network-latency-2');
    expect(m.probes[0]['httpProbe/inputs'].method.get.responseCode).toBe('200');
  });

  it('round-trips through YAML unchanged', () => {
    const m = model();
    const y = toYAML(m);
    expect(y).toMatch(/^groups:/);
    expect(y).toContain('httpProbe/inputs:');
    const back = fromYAML(y);
    expect(buildManifest(back)).toEqual(buildManifest(m));
    expect(toYAML(back)).toBe(y);
  });

  it('reads JSON text too, and numbers/booleans in tunables become strings', () => {
    const back = fromYAML('{"groups":[{"steps":[{"name":"a","fault":"linux-cpu-stress","tunables":{"LOAD":50}}]}]}');
    expect(back.groups[0].steps[0].tunables.LOAD).toBe('50');
    expect(back.groups[0].steps[0].duration).toBe('30s');
  });

  it('errors name the line or the field', () => {
    expect(() => fromYAML('groups:\n  - steps: [\n')).toThrow(/^YAML: /);
    expect(() => fromYAML('groups: 3')).toThrow('groups: must be a list of groups');
    expect(() => fromYAML('groups:\n  - steps:\n    - name: x\n')).toThrow('groups[0].steps[0].fault: must be a fault name');
    expect(() => fromYAML('groups:\n  - steps:\n    - {name: x, fault: f, tunables: {A: [1]}}\n')).toThrow('groups[0].steps[0].tunables.A');
    expect(() => parseManifest([])).toThrow(/mapping/);
  });

  it('refuses YAML aliases (the backend does too)', () => {
    expect(() => fromYAML('a: &x {b: 1}\ngroups:\n  - steps: []\nc: *x\n')).toThrow(/YAML/);
  });

  it('validates against the hub like the backend', () => {
    const m = model();
    expect(validateModel(m, hub)).toEqual([]);
    m.groups[0].steps[1].tunables.LOAD = '500';
    m.groups[0].steps[0].probes.push('nope');
    m.groups[1].steps[0].fault = 'linux-nope';
    m.groups[1].steps.push({ ...m.groups[0].steps[0], probes: [] });
    expect(validateModel(m, hub)).toEqual([
      { path: 'groups[0].steps[0].probes', message: 'probe "nope" is not defined in probes nor saved in the project' },
      { path: 'groups[0].steps[1].tunables.LOAD', message: '"500" must be (1 to 100 %)' },
      { path: 'groups[1].steps[0].fault', message: 'unknown fault "linux-nope"' },
      { path: 'groups[1].steps[1].name', message: '"network-latency" is used by another step' },
    ]);
    expect(validateModel({ groups: [{ steps: [] }], probes: [] }, hub)).toEqual([{ path: 'groups', message: 'add at least one fault' }]);
  });

  it('saved probes are named with their mode ({name, mode}) and read back', () => {
    const m = model();
    m.groups[0].steps[1].probes = ['saved-one'];
    m.groups[0].steps[1].probeModes = { 'saved-one': 'Edge' };
    const doc = buildManifest(m) as any;
    expect(doc.groups[0].steps[1].probes).toEqual([{ name: 'saved-one', mode: 'Edge' }]);
    expect(doc.groups[0].steps[0].probes).toEqual(['web']);
    const back = fromYAML(toYAML(m));
    expect(back.groups[0].steps[1].probes).toEqual(['saved-one']);
    expect(back.groups[0].steps[1].probeModes).toEqual({ 'saved-one': 'Edge' });
    expect(buildManifest(back)).toEqual(doc);
    m.groups[0].steps[1].probeModes = { 'saved-one': 'Sometimes' };
    expect(validateModel(m, hub, ['saved-one'])).toEqual([{ path: 'groups[0].steps[1].probes', message: expect.stringMatching(/mode must be one of SOT/) }]);
    expect(() => parseManifest({ groups: [{ steps: [{ name: 'a', fault: 'f', probes: [{ mode: 'Edge' }] }] }] })).toThrow('groups[0].steps[0].probes[0]: must be a probe name or {name, mode}');
  });

  it('saved probes of the project count as defined', () => {
    const m = model();
    m.groups[0].steps[1].probes = ['saved-one'];
    expect(validateModel(m, hub)).toHaveLength(1);
    expect(validateModel(m, hub, ['saved-one'])).toEqual([]);
  });
});
