import { describe, expect, it } from 'vitest';
import {
  cidrProblem, durationMs, emptyGuards, formToInput, guardCount, guardProblems, guardsToForm, pathProblem, portProblem, splitList,
} from '../src/lib/guards';
import { auditFilter, canRelease, dryRunReport, stopWords } from '../src/lib/safety';

describe('guard entries checked as lib/guard.c reads them', () => {
  it.each([
    ['10.0.0.0/8', null], ['10.20.0.1', null], ['0.0.0.0/0', null], ['192.168.1.0/24', null],
    ['10.0.0.0/33', '"10.0.0.0/33": the prefix length must be 0 to 32'],
    ['10.0.0/8', '"10.0.0/8" is not an IPv4 address or CIDR (like 10.0.0.0/8)'],
    ['256.1.1.1', '"256.1.1.1" is not an IPv4 address or CIDR (like 10.0.0.0/8)'],
    ['10.0.0.0/8/1', '"10.0.0.0/8/1" is not an IPv4 address or CIDR (like 10.0.0.0/8)'],
    ['10.0.0.0/', '"10.0.0.0/": the prefix length must be 0 to 32'],
  ])('CIDR %s', (s, want) => expect(cidrProblem(s)).toBe(want));
  it.each([
    ['80', null], ['8000-8100', null], ['65535', null], ['1-1', null],
    ['0', '"0" is not a port or a range (like 80 or 8000-8100) within 1..65535'],
    ['70000', '"70000" is not a port or a range (like 80 or 8000-8100) within 1..65535'],
    ['9000-8000', '"9000-8000": the range starts after it ends'],
    ['http', '"http" is not a port or a range (like 80 or 8000-8100) within 1..65535'],
  ])('port %s', (s, want) => expect(portProblem(s)).toBe(want));
  it.each([
    ['/tmp', null], ['/var/lib/app/', null], ['tmp', '"tmp" is not an absolute path'],
    ['/tmp/../etc', '"/tmp/../etc" contains ".."'], ['/tmp/..', '"/tmp/.." contains ".."'], ['/a..b', null],
  ])('path %s', (s, want) => expect(pathProblem(s)).toBe(want));
  it.each([['90s', 90000], ['5m', 300000], ['1h', 3600000], ['250ms', 250], ['30', 30000], ['5 m', null], ['5x', null], ['', null], ['-1s', null]])(
    'duration %s', (s, want) => expect(durationMs(s)).toBe(want));
});

describe('the guards form', () => {
  it('splits lists on commas and lines', () => {
    expect(splitList(' a, b\nc ,, ')).toEqual(['a', 'b', 'c']);
    expect(splitList('')).toEqual([]);
  });
  it('names the first problem of each field in words', () => {
    const f = { ...emptyGuards(), allowedCIDRs: '10.0.0.0/8, 10.1.2.3/40', allowedPorts: '80, 0', maxDuration: '5 minutes',
      maxCpuLoad: '150', maxConcurrentFaults: '2.5', allowedFaults: 'linux-network-latency', forbiddenFaults: 'linux-network-latency',
      allowedPaths: 'tmp', allowedHosts: 'svc.example, bad_host!', allowedProcessNames: 'a/b' };
    expect(guardProblems(f)).toEqual({
      allowedCIDRs: '"10.1.2.3/40": the prefix length must be 0 to 32.',
      allowedPorts: '"0" is not a port or a range (like 80 or 8000-8100) within 1..65535.',
      allowedPaths: '"tmp" is not an absolute path.',
      allowedHosts: '"bad_host!" is not a host name.',
      allowedProcessNames: '"a/b" is not a process name (up to 15 characters, no "/").',
      forbiddenFaults: 'linux-network-latency cannot be both allowed and forbidden.',
      maxDuration: 'A duration such as 90s, 5m or 1h.',
      maxCpuLoad: 'A whole number from 0 to 100.',
      maxConcurrentFaults: 'A whole number from 0 to 64.',
    });
    expect(guardProblems(emptyGuards())).toEqual({});
    expect(guardProblems({ ...emptyGuards(), allowedHosts: '10.0.0.1, db.internal', maxDiskFill: '80', maxDuration: '0s' }))
      .toEqual({ maxDuration: 'A duration such as 90s, 5m or 1h.' });
    expect(guardProblems({ ...emptyGuards(), allowedFaults: Array(257).fill('x').join(',') })).toEqual({ allowedFaults: 'At most 256 entries.' });
  });
  it('round-trips the API shape, leaving out what sets no limit', () => {
    const g = { allowedFaults: ['linux-network-latency', 'linux-network-loss'], forbiddenFaults: null, allowedCIDRs: ['10.20.0.0/16'],
      allowedHosts: [], allowedPorts: ['80', '8000-8100'], allowedProcessNames: null, allowedPaths: null, maxDuration: '5m',
      maxConcurrentFaults: 2, maxCpuLoad: 0, maxDiskFill: null };
    const f = guardsToForm(g);
    expect(f.allowedFaults).toBe('linux-network-latency, linux-network-loss');
    expect(f.maxCpuLoad).toBe('0');
    expect(formToInput(f)).toEqual({ allowedFaults: ['linux-network-latency', 'linux-network-loss'], allowedCIDRs: ['10.20.0.0/16'],
      allowedPorts: ['80', '8000-8100'], maxDuration: '5m', maxConcurrentFaults: 2, maxCpuLoad: 0 });
    expect(formToInput(guardsToForm(null))).toEqual({});
    expect(guardCount(g)).toBe(6);
    expect(guardCount(null)).toBe(0);
  });
});

describe('emergency stop banner', () => {
  it('says who, when, why and the scope', () => {
    expect(stopWords({ active: true, scope: 'project', stoppedBy: 'viewer', reason: 'pager fired', runsStopped: 2 }, '12/6/26, 10:00:00'))
      .toBe('Emergency stop in force for this project: pressed by viewer at 12/6/26, 10:00:00 (“pager fired”). 2 runs stopped. No run starts until it is released.');
    expect(stopWords({ active: true, scope: 'global', stoppedBy: 'admin', runsStopped: 0 }, 'T'))
      .toBe('Emergency stop in force for every project: pressed by admin at T. No run starts until it is released.');
  });
  it('lets an Owner release the project stop and only an admin the global one', () => {
    expect(canRelease({ active: true, scope: 'project' }, 'Owner', 'user')).toBe(true);
    expect(canRelease({ active: true, scope: 'project' }, 'Viewer', 'admin')).toBe(false);
    expect(canRelease({ active: true, scope: 'global' }, 'Owner', 'user')).toBe(false);
    expect(canRelease({ active: true, scope: 'global' }, 'Viewer', 'admin')).toBe(true);
  });
});

describe('dry-run report', () => {
  it('splits the agent\'s line per step and keeps the probe lines', () => {
    const r = dryRunReport(
      [{ step: 'lat', fault: 'linux-network-latency', verdict: 'Pass' }, { step: 'cpu', fault: 'linux-cpu-stress', verdict: 'Error', message: 'dry run: cgroup cpuacct missing' }],
      [{ step: '', line: 'dry run: probe web ran once: passed (200)' },
        { step: 'lat', line: 'starting' },
        { step: 'lat', line: 'dry run: would inject linux-network-latency for 20000 ms; privileges: CAP_NET_ADMIN ok; netem missing: NFQUEUE fallback available' },
        { step: 'cpu', line: 'dry run: cgroup cpuacct missing' }]);
    expect(r.probes).toEqual(['probe web ran once: passed (200)']);
    expect(r.steps[0]).toEqual({ step: 'lat', fault: 'linux-network-latency', verdict: 'Pass', would: 'would inject linux-network-latency for 20000 ms',
      checks: ['privileges: CAP_NET_ADMIN ok', 'netem missing: NFQUEUE fallback available'], message: '' });
    expect(r.steps[1]).toMatchObject({ would: '', checks: ['cgroup cpuacct missing'], message: 'dry run: cgroup cpuacct missing' });
  });
});

describe('audit filter', () => {
  it('sends only what was chosen', () => {
    expect(auditFilter('', '  ', 0, 1000)).toEqual({});
    expect(auditFilter('emergency_stop', ' admin ', 3600e3, 10_000_000)).toEqual({ action: 'emergency_stop', username: 'admin', sinceMs: 10_000_000 - 3600e3 });
  });
});
