import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { fromEvent, toResult } from './lambda-events';

const v2 = (change: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 => ({
  version: '2.0',
  routeKey: 'ANY /mcp',
  rawPath: '/mcp',
  rawQueryString: 'a=1&a=2',
  cookies: ['theme=dark', 'session=abc'],
  headers: { host: 'api.example.com', 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
  requestContext: {
    accountId: '123456789012',
    apiId: 'api',
    domainName: 'api.example.com',
    domainPrefix: 'api',
    http: { method: 'POST', path: '/mcp', protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'agent' },
    requestId: 'id',
    routeKey: 'ANY /mcp',
    stage: '$default',
    time: '03/Dec/2026:19:00:00 +0000',
    timeEpoch: 0,
  },
  body: Buffer.from('{"jsonrpc":"2.0"}').toString('base64'),
  isBase64Encoded: true,
  ...change,
});

const v1 = (): APIGatewayProxyEvent =>
  ({
    resource: '/{proxy+}',
    path: '/mcp',
    httpMethod: 'POST',
    headers: { Host: 'rest.example.com', Accept: 'text/event-stream' },
    multiValueHeaders: { Host: ['rest.example.com'], Accept: ['application/json', 'text/event-stream'] },
    queryStringParameters: { a: '2' },
    multiValueQueryStringParameters: { a: ['1', '2'] },
    pathParameters: null,
    stageVariables: null,
    requestContext: { domainName: 'rest.example.com', identity: { sourceIp: '203.0.113.9' } },
    body: '{"jsonrpc":"2.0"}',
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEvent;

describe('Lambda events to requests', () => {
  it('reads payload 2.0: base64 body, cookies as one Cookie header, repeated query values, the source address', () => {
    const request = fromEvent(v2());
    expect(request).toMatchObject({
      method: 'POST',
      url: 'https://api.example.com/mcp?a=1&a=2',
      path: '/mcp',
      sourceIp: '198.51.100.7',
      format: '2.0',
    });
    expect(request.body!.toString('utf8')).toBe('{"jsonrpc":"2.0"}');
    expect(request.headers.get('cookie')).toBe('theme=dark; session=abc');
    expect(request.headers.get('accept')).toBe('application/json, text/event-stream');
  });

  it('reads payload 1.0 from its multi-value forms, every value of each header and query parameter, names in any case', () => {
    const request = fromEvent(v1());
    expect(request).toMatchObject({ method: 'POST', url: 'https://rest.example.com/mcp?a=1&a=2', sourceIp: '203.0.113.9', format: '1.0' });
    expect(request.headers.get('accept')).toBe('application/json, text/event-stream');
    expect(request.body!.toString('utf8')).toBe('{"jsonrpc":"2.0"}');
  });

  it('has no body for an event without one', () => {
    expect(fromEvent(v2({ body: undefined, isBase64Encoded: false })).body).toBeUndefined();
  });
});

describe('responses to Lambda results', () => {
  // An Expires date has a comma: splitting Set-Cookie on commas (as some adapters do) breaks it in two.
  const cookies = ['a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Secure', 'b=2; HttpOnly'];
  const response = (type: string) => {
    const headers = new Headers({ 'content-type': type, 'x-request-id': 'r1' });
    for (const cookie of cookies) headers.append('set-cookie', cookie);
    return new Response(null, { status: 200, headers });
  };

  it('gives payload 2.0 its cookies apart, whole, and text as text', () => {
    const result = toResult(response('application/json'), Buffer.from('{"ok":true}'), '2.0');
    expect(result).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'x-request-id': 'r1' },
      cookies,
      body: '{"ok":true}',
      isBase64Encoded: false,
    });
  });

  it('gives payload 1.0 every Set-Cookie as its own multi-value entry', () => {
    const result = toResult(response('text/event-stream'), Buffer.from('data: {}\n\n'), '1.0');
    expect(result).toEqual({
      statusCode: 200,
      multiValueHeaders: { 'content-type': ['text/event-stream'], 'x-request-id': ['r1'], 'set-cookie': cookies },
      body: 'data: {}\n\n',
      isBase64Encoded: false,
    });
  });

  it('sends bytes that are not text as base64, unchanged', () => {
    const bytes = Buffer.from([0, 255, 1, 254, 10, 13]);
    const result = toResult(response('application/octet-stream'), bytes, '2.0');
    expect(result.isBase64Encoded).toBe(true);
    expect(Buffer.from(result.body!, 'base64')).toEqual(bytes);
  });
});
