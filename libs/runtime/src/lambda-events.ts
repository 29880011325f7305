import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, APIGatewayProxyResult, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * Lambda's HTTP events to web-standard requests and back, our own: API Gateway HTTP API payload 2.0 and Function
 * URLs (the same format), and REST API payload 1.0. Header names are lower-cased; repeated headers and query
 * values are kept; cookies travel apart from the headers in 2.0 (`cookies`) and are never split on commas (an
 * Expires date has one); bodies are base64 both ways whenever they are not text.
 */

export type HttpEvent = APIGatewayProxyEventV2 | APIGatewayProxyEvent;
export type HttpResult = APIGatewayProxyStructuredResultV2 | APIGatewayProxyResult;

/** A request as a host hands it on: the body stays bytes until the size limit has been checked. */
export interface EventRequest {
  method: string;
  url: string;
  path: string;
  /** The path with its query, as an HTTP request line has it. */
  target: string;
  headers: Headers;
  body: Buffer | undefined;
  sourceIp: string;
  /** The domain the event was sent to (the Function URL's or the API's), when the event says. */
  domainName?: string;
  /** Which result format the event's source expects. */
  format: '2.0' | '1.0';
}

const isV2 = (event: HttpEvent): event is APIGatewayProxyEventV2 => (event as { version?: string }).version === '2.0';

/**
 * The request an event carries. Throws, saying what is missing, for anything that is not an HTTP event of API
 * Gateway or a Function URL (a direct invoke with another payload, say): the host answers that with 400.
 */
export function fromEvent(event: HttpEvent): EventRequest {
  if (typeof event !== 'object' || event === null)
    throw new TypeError(`the event is ${event === null ? 'null' : typeof event}, not an object`);
  const request = readEvent(event);
  for (const member of ['method', 'path', 'sourceIp'] as const) {
    if (typeof request[member] !== 'string')
      throw new TypeError(`the event has no ${member} (${isV2(event) ? 'payload 2.0' : 'payload 1.0'})`);
  }
  return request;
}

function readEvent(event: HttpEvent): EventRequest {
  const headers = new Headers();
  const body = event.body == null ? undefined : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (isV2(event)) {
    for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers.set(name, value);
    if (event.cookies?.length) headers.set('cookie', event.cookies.join('; '));
    const host = headers.get('host') ?? event.requestContext.domainName;
    const target = event.rawQueryString ? `${event.rawPath}?${event.rawQueryString}` : event.rawPath;
    return {
      method: event.requestContext.http.method,
      url: `https://${host}${target}`,
      path: event.rawPath,
      target,
      headers,
      body,
      sourceIp: event.requestContext.http.sourceIp,
      domainName: event.requestContext.domainName,
      format: '2.0',
    };
  }
  // 1.0 gives each header both ways; the multi-value form, when present, has every value.
  if (event.multiValueHeaders) {
    for (const [name, values] of Object.entries(event.multiValueHeaders)) for (const value of values ?? []) headers.append(name, value);
  } else {
    for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers.set(name, value);
  }
  const query = new URLSearchParams();
  for (const [name, values] of Object.entries(event.multiValueQueryStringParameters ?? {}))
    for (const value of values ?? []) query.append(name, value);
  const target = query.size > 0 ? `${event.path}?${query}` : event.path;
  const host = headers.get('host') ?? event.requestContext.domainName ?? 'localhost';
  return {
    method: event.httpMethod,
    url: `https://${host}${target}`,
    path: event.path,
    target,
    headers,
    body,
    sourceIp: event.requestContext.identity.sourceIp,
    domainName: event.requestContext.domainName,
    format: '1.0',
  };
}

/** Content types sent as text; anything else is sent base64. */
const TEXTUAL = /^(text\/|application\/(json|[\w.+-]+\+json|xml|javascript|x-www-form-urlencoded))/;

/** The headers of a response, each once with its values joined, and its Set-Cookie values apart. */
export function splitHeaders(response: Response): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  return { headers, cookies: response.headers.getSetCookie() };
}

/** A buffered result in the format the event's source expects. */
export function toResult(response: Response, bytes: Buffer, format: '2.0' | '1.0'): HttpResult {
  const status = response.status;
  const textual = TEXTUAL.test(response.headers.get('content-type') ?? '');
  const body = textual ? bytes.toString('utf8') : bytes.toString('base64');
  const { headers, cookies } = splitHeaders(response);
  if (format === '2.0') return { statusCode: status, headers, ...(cookies.length > 0 ? { cookies } : {}), body, isBase64Encoded: !textual };
  const multiValueHeaders: Record<string, string[]> = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]]));
  if (cookies.length > 0) multiValueHeaders['set-cookie'] = cookies;
  return { statusCode: status, multiValueHeaders, body, isBase64Encoded: !textual };
}
