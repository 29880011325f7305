import { Writable } from 'node:stream';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';

/**
 * Lambda's side of the Lambda host, for tests: events as API Gateway and Function URLs send them (shaped as the
 * canonical samples are: aws-lambda-go's events/testdata `apigw-v2-request-*.json`, `lambda-urls-request.json`,
 * `apigw-request.json`, and the events `sam local generate-event` writes), a `fetch` that turns each request into
 * such an event and the result back into a Response (so the real SDK clients can drive a handler), and the
 * streaming runtime's `awslambda` global with the same wire format as the real one.
 */

export type EventKind = 'http-api' | 'function-url' | 'rest-api';
type Result = APIGatewayProxyStructuredResultV2 | APIGatewayProxyResult;
type BufferedHandler = (event: APIGatewayProxyEventV2 | APIGatewayProxyEvent, context: Context) => Promise<Result>;
type StreamingHandler = (event: APIGatewayProxyEventV2 | APIGatewayProxyEvent, stream: Writable, context: Context) => Promise<void>;

let invocations = 0;

/** A Lambda context as the runtime passes it; only the request id differs between calls. */
export function lambdaContext(): Context {
  const awsRequestId = `c6af9ac6-7b61-11e6-9a41-${String(++invocations).padStart(12, '0')}`;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'text-tools',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:text-tools:live',
    memoryLimitInMB: '512',
    awsRequestId,
    logGroupName: '/aws/lambda/text-tools',
    logStreamName: '2026/12/03/[$LATEST]2e3ee4b8ba464d0e8ef5e4d7a6a6ee8a',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Bodies are sent base64 when they are not JSON or text, as API Gateway does with binary media. */
const base64Wanted = (type: string | null) => !/^(application\/json|text\/)/.test(type ?? '');

/** The event API Gateway or a Function URL would send for `request`. */
export async function toLambdaEvent(request: Request, kind: EventKind): Promise<APIGatewayProxyEventV2 | APIGatewayProxyEvent> {
  const url = new URL(request.url);
  const bytes = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
  const isBase64Encoded = bytes !== undefined && base64Wanted(request.headers.get('content-type'));
  const body = bytes === undefined ? undefined : isBase64Encoded ? bytes.toString('base64') : bytes.toString('utf8');
  const time = new Date();
  if (kind === 'rest-api') {
    const headers: Record<string, string> = {};
    const multiValueHeaders: Record<string, string[]> = {};
    // REST APIs keep header names as sent; ours arrive lower-cased from Headers, as from most clients over HTTP/2.
    request.headers.forEach((value, name) => {
      headers[name] = value;
      multiValueHeaders[name] = [value];
    });
    headers.host = url.host;
    multiValueHeaders.host = [url.host];
    const query = [...url.searchParams.keys()];
    return {
      resource: '/{proxy+}',
      path: url.pathname,
      httpMethod: request.method,
      headers,
      multiValueHeaders,
      queryStringParameters: query.length > 0 ? Object.fromEntries(url.searchParams) : null,
      multiValueQueryStringParameters:
        query.length > 0 ? Object.fromEntries(query.map((name) => [name, url.searchParams.getAll(name)])) : null,
      pathParameters: { proxy: url.pathname.slice(1) },
      stageVariables: null,
      requestContext: {
        accountId: '123456789012',
        apiId: '1234567890',
        authorizer: null,
        domainName: url.host,
        httpMethod: request.method,
        identity: {
          accessKey: null,
          accountId: null,
          apiKey: null,
          apiKeyId: null,
          caller: null,
          clientCert: null,
          cognitoAuthenticationProvider: null,
          cognitoAuthenticationType: null,
          cognitoIdentityId: null,
          cognitoIdentityPoolId: null,
          principalOrgId: null,
          sourceIp: '198.51.100.7',
          user: null,
          userAgent: request.headers.get('user-agent'),
          userArn: null,
        },
        path: `/prod${url.pathname}`,
        protocol: 'HTTP/1.1',
        requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
        requestTimeEpoch: time.getTime(),
        resourceId: '123456',
        resourcePath: '/{proxy+}',
        stage: 'prod',
      },
      body: body ?? null,
      isBase64Encoded,
    };
  }
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    if (name !== 'cookie') headers[name] = value;
  });
  headers.host = url.host;
  const cookies = request.headers.get('cookie')?.split('; ');
  const [apiId] = url.hostname.split('.');
  return {
    version: '2.0',
    routeKey: kind === 'function-url' ? '$default' : 'ANY /mcp',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies ? { cookies } : {}),
    headers,
    queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
    requestContext: {
      accountId: kind === 'function-url' ? 'anonymous' : '123456789012',
      apiId: apiId!,
      domainName: url.host,
      domainPrefix: apiId!,
      http: {
        method: request.method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: '198.51.100.7',
        userAgent: request.headers.get('user-agent') ?? 'node',
      },
      requestId: 'id',
      routeKey: kind === 'function-url' ? '$default' : 'ANY /mcp',
      stage: '$default',
      time: time.toUTCString(),
      timeEpoch: time.getTime(),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded,
  };
}

/** The HTTP response a client would get for a buffered result, as API Gateway or a Function URL build it. */
export function fromLambdaResult(result: Result): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(result.headers ?? {})) headers.set(name, String(value));
  for (const [name, values] of Object.entries((result as APIGatewayProxyResult).multiValueHeaders ?? {})) {
    headers.delete(name);
    for (const value of values) headers.append(name, String(value));
  }
  for (const cookie of (result as APIGatewayProxyStructuredResultV2).cookies ?? []) headers.append('set-cookie', cookie);
  const body = result.body === undefined ? null : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  return new Response(result.statusCode === 204 || result.statusCode === 304 ? null : body, { status: result.statusCode ?? 200, headers });
}

/** A fetch that invokes a buffered Lambda handler, as the endpoint of `kind` would for each request. */
export function lambdaFetch(handler: BufferedHandler, kind: EventKind = 'function-url'): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const event = await toLambdaEvent(new Request(input, init), kind);
    return fromLambdaResult(await handler(JSON.parse(JSON.stringify(event)) as typeof event, lambdaContext()));
  }) as typeof fetch;
}

/** The metadata the streaming runtime sends before the body: `HttpResponseStream.from(stream, metadata)`. */
interface Prelude {
  statusCode?: number;
  headers?: Record<string, string>;
  cookies?: string[];
}

/** The bytes between the prelude and the body, as the real runtime writes them. */
const DELIMITER = new Uint8Array(8);
const PRELUDE_TYPE = 'application/vnd.awslambda.http-integration-response';

/**
 * A response stream as the Lambda runtime hands one to a streamified handler: it takes a content type, and
 * `awslambda.HttpResponseStream.from` makes its first write the JSON prelude and eight NUL bytes. `chunks`
 * records every write, in order, with the time it arrived; a `chunk` event follows each.
 */
export class ResponseStreamCapture extends Writable {
  contentType: string | undefined;
  readonly chunks: { at: number; bytes: Buffer }[] = [];
  onBeforeFirstWrite: ((write: (chunk: string | Uint8Array) => void) => void) | undefined;
  private started = false;

  setContentType(type: string): void {
    this.contentType = type;
  }

  private begin(): void {
    if (this.started) return;
    this.started = true;
    this.onBeforeFirstWrite?.((chunk) => this.chunks.push({ at: performance.now(), bytes: Buffer.from(chunk) }));
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.begin();
    this.chunks.push({ at: performance.now(), bytes: chunk });
    this.emit('chunk');
    callback();
  }

  override _final(callback: () => void): void {
    this.begin();
    callback();
  }

  /** The prelude, and the body chunks after the delimiter. */
  parts(): { prelude: Prelude; body: Buffer[] } {
    const all = Buffer.concat(this.chunks.map((chunk) => chunk.bytes));
    const split = all.indexOf(Buffer.from(DELIMITER));
    if (this.contentType !== PRELUDE_TYPE || split < 0)
      throw new Error(`not an HTTP integration response stream (content type ${this.contentType})`);
    const prelude = JSON.parse(all.subarray(0, split).toString('utf8')) as Prelude;
    // The prelude and the delimiter are the first two writes; every later write is a body chunk.
    return { prelude, body: this.chunks.slice(2).map((chunk) => chunk.bytes) };
  }
}

/**
 * Installs `globalThis.awslambda` as the Lambda Node.js runtime provides it to streaming functions (streamifyResponse,
 * HttpResponseStream.from with the same prelude format); returns a function that removes it.
 */
export function installStreamingRuntime(): () => void {
  const runtime = {
    streamifyResponse: (handler: StreamingHandler) => handler,
    HttpResponseStream: {
      from(stream: ResponseStreamCapture, metadata: Prelude) {
        stream.setContentType(PRELUDE_TYPE);
        const prelude = JSON.stringify(metadata);
        stream.onBeforeFirstWrite = (write) => {
          write(prelude);
          write(DELIMITER);
        };
        return stream;
      },
    },
  };
  (globalThis as { awslambda?: unknown }).awslambda = runtime;
  return () => delete (globalThis as { awslambda?: unknown }).awslambda;
}

/**
 * A fetch that invokes a streaming handler through a Function URL in RESPONSE_STREAM mode: the Response is
 * returned once the prelude has arrived, and its body yields each chunk as the handler writes it.
 */
export function lambdaStreamFetch(handler: StreamingHandler): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const event = await toLambdaEvent(new Request(input, init), 'function-url');
    const stream = new ResponseStreamCapture();
    let sent = 2;
    let pull: (() => void) | undefined;
    stream.on('chunk', () => pull?.());
    stream.once('finish', () => pull?.());
    const invocation = handler(event, stream, lambdaContext());
    await new Promise<void>((resolve, reject) => {
      const check = () => (stream.chunks.length >= 2 || stream.writableFinished ? resolve() : undefined);
      stream.on('chunk', check);
      stream.once('finish', check);
      invocation.catch(reject);
    });
    const { prelude } = stream.parts();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        while (sent >= stream.chunks.length && !stream.writableFinished) await new Promise<void>((resolve) => (pull = resolve));
        if (sent < stream.chunks.length) controller.enqueue(new Uint8Array(stream.chunks[sent++]!.bytes));
        else {
          await invocation;
          controller.close();
        }
      },
    });
    const headers = new Headers(prelude.headers);
    for (const cookie of prelude.cookies ?? []) headers.append('set-cookie', cookie);
    return new Response(body, { status: prelude.statusCode ?? 200, headers });
  }) as typeof fetch;
}
