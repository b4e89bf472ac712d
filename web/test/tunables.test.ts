import { describe, expect, it } from 'vitest';
import { durationMs, Tunable, validateDuration, validateTunable, validateWeight } from '../src/lib/tunables';

const t = (type: string, min = 0, max = 0, unit: string | null = null): Tunable => ({ name: 'X', type, min, max, unit, description: '' });

describe('tunable validation from the hub ranges', () => {
  it('accepts empty values (the default applies)', () => {
    expect(validateTunable(t('int', 1, 256), '')).toBeNull();
  });
  it('integers in range', () => {
    const w = t('int', 1, 256);
    expect(validateTunable(w, '1')).toBeNull();
    expect(validateTunable(w, '256')).toBeNull();
    expect(validateTunable(w, '257')).toBe('must be (1 to 256)');
    expect(validateTunable(w, '0')).toBe('must be (1 to 256)');
    expect(validateTunable(w, '1.5')).toMatch(/whole number/);
    expect(validateTunable(w, 'ten')).toMatch(/whole number/);
  });
  it('floats with units', () => {
    const load = t('float', 1, 100, '%');
    expect(validateTunable(load, '50.5')).toBeNull();
    expect(validateTunable(load, '500')).toBe('must be (1 to 100 %)');
    expect(validateTunable(load, 'NaN')).toMatch(/must be a number/);
  });
  it('durations in ms or with a unit, checked against the range in ms', () => {
    const lat = t('duration', 0, 3600000, 'ms');
    expect(validateTunable(lat, '200')).toBeNull();
    expect(validateTunable(lat, '2s')).toBeNull();
    expect(validateTunable(lat, '2h')).toMatch(/0 to 3600000 ms/);
    expect(validateTunable(lat, 'soon')).toMatch(/duration/);
    expect(durationMs('1.5m')).toBe(90000);
  });
  it('no range when min and max are both 0', () => {
    expect(validateTunable(t('int'), '123456789')).toBeNull();
  });
  it('enums, case-insensitive like the backend', () => {
    const s = t('enum:auto,netem,nfqueue');
    expect(validateTunable(s, 'NETEM')).toBeNull();
    expect(validateTunable(s, 'tc')).toBe('must be one of auto, netem, nfqueue');
  });
  it('booleans, sizes or percentages, lists', () => {
    expect(validateTunable(t('bool'), 'maybe')).toMatch(/true or false/);
    expect(validateTunable(t('size_or_pct'), '256m')).toBeNull();
    expect(validateTunable(t('size_or_pct'), '50%')).toBeNull();
    expect(validateTunable(t('size_or_pct'), '150%')).toMatch(/at most 100/);
    expect(validateTunable(t('size_or_pct'), 'lots')).toMatch(/size/);
    expect(validateTunable(t('list'), 'eth0,,eth1')).toMatch(/empty item/);
  });
  it('step duration and weight', () => {
    expect(validateDuration('30s')).toBeNull();
    expect(validateDuration('25h')).toMatch(/24h/);
    expect(validateDuration('0s')).toMatch(/duration/);
    expect(validateWeight(10)).toBeNull();
    expect(validateWeight(101)).toMatch(/0 to 100/);
    expect(validateWeight(2.5)).toMatch(/whole/);
  });
});
