import { describe, expect, it } from 'vitest';
import { cronToWords, parseCron } from '../src/lib/cron';

describe('cron in words', () => {
  it.each([
    ['* * * * *', 'Every minute'],
    ['*/15 * * * *', 'Every 15 minutes'],
    ['0 * * * *', 'Every hour'],
    ['30 * * * *', 'At minute 30 of every hour'],
    ['30 2 * * *', 'At 02:30 every day'],
    ['0 9 * * 1-5', 'At 09:00 on Monday through Friday'],
    ['0 9 * * MON,WED,FRI', 'At 09:00 on Monday, Wednesday and Friday'],
    ['15 6 1 * *', 'At 06:15 on the 1st day of the month'],
    ['0 0 1 1 *', 'At 00:00 on the 1st day of the month in January'],
    ['@daily', 'At 00:00 every day'],
    ['@hourly', 'Every hour'],
    ['0 */6 * * *', 'At minute 0 every 6 hours'],
    ['0 12 * JUN-AUG SUN', 'At 12:00 on Sunday in June through August'],
    ['5 4 22 * 0', 'At 04:05 on the 22nd day of the month or on Sunday'],
  ])('%s -> %s', (expr, words) => {
    expect(cronToWords(expr)).toBe(words);
  });

  it.each([
    ['* * * *', /5 fields/],
    ['60 * * * *', /minute: 60 is outside 0..59/],
    ['0 24 * * *', /hour: 24 is outside 0..23/],
    ['0 0 0 * *', /day of month: 0 is outside 1..31/],
    ['0 0 * 13 *', /month: 13 is outside 1..12/],
    ['0 0 * * 8', /day of week: 8 is outside 0..7/],
    ['*/0 * * * *', /minute: step "0" must be a positive number/],
    ['5-1 * * * *', /range 5-1 goes backwards/],
    ['a * * * *', /minute: "a" is not a number/],
    ['1,,2 * * * *', /empty list item/],
  ])('refuses %s naming the field', (expr, msg) => {
    expect(() => cronToWords(expr)).toThrow(msg);
  });

  it('keeps whitespace-insensitive text', () => {
    expect(parseCron('  0   9 * * 1 ').text).toBe('0 9 * * 1');
  });
});
