import { describe, expect, it } from 'vitest';
import { prefersJson } from '../../src/http/index.js';

describe('prefersJson', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['*/*', false],
    ['text/html', false],
    ['application/json', true],
    ['application/json, text/plain, */*', true],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', false],
    ['text/html, application/json', false],
    ['application/json;q=0.5, text/html', false],
    ['text/html;q=0.5, application/json', true],
    ['application/*', true],
    ['application/json;q=0', false],
    ['application/json;q=abc', false],
    ['garbage', false],
    ['text/*;q=0.1, application/json;q=0.2', true],
    ['application/json, */*', true],
    ['*/*, application/json', true],
    ['text/html, */*', false],
  ])('%s → %s', (accept, expected) => {
    expect(prefersJson(accept)).toBe(expected);
  });
});
