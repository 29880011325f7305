import { join } from 'node:path';
import { startServerProcess, type ServerProcess } from '@mcp-fleet/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTargetUrl, resolveTarget, targetOptions } from './targets';

let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess({ app: join(import.meta.dirname, '..', 'test', 'fixtures', 'echo-server.mjs') });
});
afterAll(async () => {
  await server.stop();
});

describe('checkTargetUrl', () => {
  it('accepts loopback addresses', () => {
    for (const url of ['http://127.0.0.1:3001/mcp', 'http://localhost:3001/mcp', 'http://[::1]:3001/mcp', 'http://127.8.9.10/mcp']) {
      expect(() => checkTargetUrl(url, false)).not.toThrow();
    }
  });

  it('refuses another machine unless allowed, naming the flag', () => {
    expect(() => checkTargetUrl('https://mcp.example.com/mcp', false)).toThrow(
      '--url https://mcp.example.com/mcp is not on this machine; pass --allow-remote to send load to mcp.example.com',
    );
    expect(() => checkTargetUrl('http://10.0.0.5/mcp', false)).toThrow('pass --allow-remote');
    expect(() => checkTargetUrl('https://mcp.example.com/mcp', true)).not.toThrow();
  });

  it('refuses what is not an http URL', () => {
    expect(() => checkTargetUrl('127.0.0.1:3001', false)).toThrow('--url must be a URL such as');
    expect(() => checkTargetUrl('ftp://127.0.0.1/mcp', false)).toThrow('--url must be http:// or https://');
  });
});

describe('targetOptions', () => {
  it('maps the parsed flags to resolveTarget options', () => {
    expect(targetOptions({ url: 'u', 'allow-remote': true, tool: 't' })).toEqual({ url: 'u', allowRemote: true, tool: 't' });
  });
});

describe('resolveTarget', () => {
  it('wants exactly one of --app and --url', async () => {
    await expect(resolveTarget({}, () => undefined)).rejects.toThrow('give either --app NAME or --url URL');
    await expect(resolveTarget({ app: 'a', url: 'http://127.0.0.1/mcp' }, () => undefined)).rejects.toThrow('give either');
  });

  it('takes a URL and a token from the environment, and calls echo by default', async () => {
    process.env.MCP_TOKEN = 'from-env';
    const target = await resolveTarget({ url: server.url }, () => undefined);
    delete process.env.MCP_TOKEN;
    expect(target).toMatchObject({ url: server.url, token: 'from-env', call: { tool: 'echo', arguments: { message: 'load test' } } });
    await target.stop();
  });

  it('takes the tool and arguments given, and checks the tool exists', async () => {
    const target = await resolveTarget({ url: server.url, tool: 'echo', args: '{"message":"x"}' }, () => undefined);
    expect(target.call).toEqual({ tool: 'echo', arguments: { message: 'x' } });
    await expect(resolveTarget({ url: server.url, tool: 'missing' }, () => undefined)).rejects.toThrow(
      'the service has no tool "missing"; its tools: echo; pick one with --tool',
    );
  });

  it('says what is wrong with --login, --args and --app', async () => {
    await expect(resolveTarget({ url: server.url, login: 'nocolon' }, () => undefined)).rejects.toThrow('--login must be user:password');
    await expect(resolveTarget({ url: server.url, login: 'user:pass' }, () => undefined)).rejects.toThrow(/login/);
    await expect(resolveTarget({ url: server.url, args: '[1,' }, () => undefined)).rejects.toThrow('--args must be a JSON object');
    await expect(resolveTarget({ app: 'no-such-app' }, () => undefined)).rejects.toThrow(/no app named no-such-app/);
  });
});
