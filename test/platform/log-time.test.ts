import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { isoTimeByMillisecond } from '../../src/platform/node/logger.js';

describe('isoTimeByMillisecond: the log timestamp, formatted once per millisecond', () => {
  it("writes pino's isoTime for the current millisecond, and a new one when it moves", () => {
    let now = Date.UTC(2026, 11, 3, 7, 0, 0, 123);
    const time = isoTimeByMillisecond(() => now);
    expect(time()).toBe(',"time":"2026-12-03T07:00:00.123Z"');
    expect(time()).toBe(',"time":"2026-12-03T07:00:00.123Z"');
    now += 1;
    expect(time()).toBe(',"time":"2026-12-03T07:00:00.124Z"');
    // The same shape as pino's own.
    expect(pino.stdTimeFunctions.isoTime()).toMatch(/^,"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"$/);
  });

  it('reads the clock on every line (a faked Date.now is seen)', () => {
    const time = isoTimeByMillisecond();
    const real = Date.now;
    try {
      Date.now = () => Date.UTC(2030, 0, 1);
      expect(time()).toBe(',"time":"2030-01-01T00:00:00.000Z"');
    } finally {
      Date.now = real;
    }
  });
});
