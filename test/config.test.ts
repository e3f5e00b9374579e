import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, serverConfigProblems } from '../src/platform/node/config.js';

const bad = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
};

describe('configuration', () => {
  it('has working defaults: SQLite under ./data on 127.0.0.1:8787', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      env: 'development',
      port: 8787,
      host: '127.0.0.1',
      baseUrl: 'http://127.0.0.1:8787',
    });
    expect(c.database).toEqual({ dialect: 'sqlite', file: expect.stringMatching(/data\/assay\.db$/) });
  });

  it('selects PostgreSQL from DATABASE_URL, migrating as MIGRATION_DATABASE_URL when given', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://app@db/assay' }).database).toEqual({
      dialect: 'pg',
      url: 'postgres://app@db/assay',
      migrationUrl: 'postgres://app@db/assay',
    });
    expect(
      loadConfig({
        DATABASE_URL: 'postgres://app@db/assay',
        MIGRATION_DATABASE_URL: 'postgres://owner@db/assay',
      }).database,
    ).toMatchObject({ migrationUrl: 'postgres://owner@db/assay' });
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be a number/],
    [{ PORT: '70000' }, /PORT must be between 1 and 65535/],
    [{ PORT: '80.5' }, /PORT must be a whole number/],
    [{ NODE_ENV: 'staging' }, /NODE_ENV must be development, production or test/],
    [{ BASE_URL: 'ftp://x' }, /BASE_URL must be a URL starting with http/],
    [{ BASE_URL: 'https://x.example/sub' }, /BASE_URL must not have a path/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a URL/],
    [{ SMTP_URL: 'http://mail' }, /SMTP_URL must be a URL starting with smtp/],
    [{ MAIL_FROM: 'nobody' }, /MAIL_FROM must be an email address/],
    [{ MASTER_KEY: 'short' }, /MASTER_KEY must be 32 random bytes in base64/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ TRUST_PROXY: 'yes' }, /TRUST_PROXY must be a number/],
    [{ NODE_ENV: 'production', BASE_URL: 'http://x.example' }, /BASE_URL must use https in production/],
    [{ NODE_ENV: 'production', BASE_URL: 'https://x.example' }, /MASTER_KEY is required in production/],
    [{ MIGRATION_DATABASE_URL: 'postgres://o@db/x' }, /MIGRATION_DATABASE_URL needs DATABASE_URL/],
  ])('refuses %j naming the variable', (env, message) => {
    expect(bad(env)).toMatch(message);
  });

  it('the server needs SMTP_URL in production (the CLI does not); outside production the outbox serves', () => {
    const prod = { NODE_ENV: 'production', BASE_URL: 'https://x.example', MASTER_KEY: 'A'.repeat(43) };
    expect(serverConfigProblems(loadConfig(prod))).toEqual([
      expect.stringMatching(/^SMTP_URL is required in production/),
    ]);
    expect(serverConfigProblems(loadConfig({ ...prod, SMTP_URL: 'smtps://u:p@mail.example:465' }))).toEqual(
      [],
    );
    expect(serverConfigProblems(loadConfig({}))).toEqual([]);
  });

  it('lists every bad variable at once', () => {
    const msg = bad({ PORT: 'x', LOG_LEVEL: 'loud' });
    expect(msg).toMatch(/PORT/);
    expect(msg).toMatch(/LOG_LEVEL/);
  });
});
