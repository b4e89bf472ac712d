import { describe, expect, it } from 'vitest';
import { gqlWords } from '../src/api';
import { passwordProblem } from '../src/session';

describe('API errors in words', () => {
  it('turns the backend\'s codes into sentences', () => {
    expect(gqlWords('permission_denied')).toMatch(/^You do not have permission to do this in this project/);
    expect(gqlWords('permission denied')).toMatch(/^You do not have permission/);
    expect(gqlWords('unauthorized: missing bearer token')).toBe('Your session has ended. Please log in again.');
    expect(gqlWords('Cannot query field "listProbes" on type "Query".')).toBe('This server does not support this yet (listProbes).');
    expect(gqlWords('groups[0].steps[1].tunables.LOAD: "500" is not a number in range'))
      .toBe('groups[0].steps[1].tunables.LOAD: "500" is not a number in range');
    expect(gqlWords('experiment not found')).toBe('Experiment not found');
  });
});

describe('password policy shown before asking the server', () => {
  it.each([
    ['short', 'Use 8 to 64 characters.'],
    ['alllowercase1!', 'Use at least one digit, one lowercase letter, one uppercase letter and one symbol.'],
    ['NoDigits!!', 'Use at least one digit, one lowercase letter, one uppercase letter and one symbol.'],
    ['NoSymbol12', 'Use at least one digit, one lowercase letter, one uppercase letter and one symbol.'],
    ['Good@Pass1', null],
  ])('%s', (p, want) => expect(passwordProblem(p)).toBe(want));
});
