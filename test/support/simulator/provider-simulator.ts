// A local HTTP server that speaks Groq's and Cerebras' chat-completions wire formats, so the
// real SDKs (and the gateway) can be driven through scripted successes and failures.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import {
  wireFormats,
  type AnswerMessage,
  type Json,
  type ProviderName,
  type QuotaUsed,
  type ResponseContext,
  type ToolCall,
  type Usage,
  type WireFormat,
} from './wire-format.js';

export type { ProviderName, Usage } from './wire-format.js';

/** A tool call the model is scripted to make. */
export interface ScriptedToolCall {
  /** Default `call_` and 24 random hex digits, new in every response. */
  id?: string;
  name: string;
  /** The arguments' JSON text, sent as given (valid JSON or not). */
  arguments: string;
}

/** What the model answers: the `ok` behaviour's answer, and what a breaking behaviour cuts short. */
export interface Answer {
  /**
   * Reasoning deltas, sent before anything else: as `delta.reasoning` / `message.reasoning`, or
   * as the request's reasoning controls say (hidden, or in the content as `<think>…</think>`).
   */
  reasoning?: string[];
  /** The content deltas; default {@link DEFAULT_CONTENT}, or none when there are tool calls. */
  content?: string[];
  /** Tool calls (several = parallel calls), streamed after the content, in index order. */
  toolCalls?: ScriptedToolCall[];
  /**
   * Into how many fragments each call's arguments are cut (fewer if the arguments are shorter).
   * Default: Groq 1 (a call is one delta), Cerebras 3 (after a header delta with empty arguments).
   */
  argumentFragments?: number;
}

export interface OkBehaviour extends Answer {
  kind: 'ok';
  /** Delay after the headers before the first chunk. */
  firstTokenDelayMs?: number;
  interChunkDelayMs?: number;
  /** Extra pause after the first chunk only. */
  pauseAfterFirstTokenMs?: number;
  /**
   * Default: prompt = ceil(message chars / 4); completion = the content and reasoning deltas
   * (hidden reasoning too: it was generated), plus ceil(argument chars / 4) per tool call.
   */
  usage?: Usage;
  /**
   * Sent verbatim as the answer's `usage` (any JSON: negative, strings, 1e300, a wrong total...)
   * in place of `usage`; no `total_tokens` is added.
   */
  rawUsage?: unknown;
  /** Extra response headers, sent as given (after the rate-limit ones, so they may replace them). */
  headers?: Record<string, string>;
  /** Write the stream one byte per write, each flushed alone: multi-byte characters arrive split. */
  bytePerWrite?: boolean;
  /** Default 'tool_calls' when the answer has tool calls, else 'stop'. */
  finishReason?: string;
}

/**
 * A 200 `text/event-stream` whose body is `data: ` and then `bytes` bytes of `x` with no newline
 * at all, written as fast as the client reads (`chunkBytes` per write, default 64 KiB); then the
 * response ends.
 */
export interface UnterminatedBodyBehaviour {
  kind: 'unterminated-body';
  bytes: number;
  chunkBytes?: number;
}

export type Behaviour =
  | OkBehaviour
  | UnterminatedBodyBehaviour
  /** `headers` are sent as given, replacing computed ones (e.g. `retry-after: 99999999` on a 429). */
  | { kind: 'error'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'hang' }
  /**
   * The breaking behaviours stream their {@link Answer} (default: {@link DEFAULT_CONTENT}) and
   * break it after `afterChunks` chunks (default 1; a stall always after the first). Every
   * reasoning, content and tool-call chunk counts; at the answer's own length the break comes
   * before the finish chunk, beyond it never.
   */
  | ({ kind: 'stall-after-first-token' } & Answer)
  | ({ kind: 'drop-mid-stream'; afterChunks?: number } & Answer)
  /** Sends a bad frame at the break, then the rest of the answer. */
  | ({ kind: 'malformed-chunk'; afterChunks?: number } & Answer)
  | ({ kind: 'error-frame'; afterChunks?: number; status?: number; message?: string } & Answer)
  | { kind: 'refuse' };

export interface RecordedRequest {
  provider: ProviderName;
  model: string;
  /** The parsed JSON request body, as the client sent it. */
  body: any;
  headers: Record<string, string | string[] | undefined>;
  stream: boolean;
  /** The client closed the connection before the simulator finished the response. */
  aborted: boolean;
  /** The simulator wrote the whole response. */
  completed: boolean;
}

export interface SimulatorOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Models listed by the models endpoints, besides those given a behaviour. */
  models?: Partial<Record<ProviderName, string[]>>;
  /** Called for each chat request once its behaviour is chosen (e.g. for logging). */
  onRequest?: (request: RecordedRequest, behaviour: Behaviour) => void;
  /**
   * Keep every chat request in {@link ProviderSimulator.requests} (default true). A long load
   * test turns this off so the simulator's memory stays flat; {@link ProviderSimulator.streamStats}
   * still counts.
   */
  recordRequests?: boolean;
  /** The listen backlog (default Node's 511); a load test that connects by the thousand raises it. */
  backlog?: number;
}

/** Streamed chat requests (`stream: true`), counted from the parsed body until the response closes. */
export interface StreamStats {
  /** Streams whose response has not closed yet. */
  open: number;
  /** The most streams open at once since the last reset. */
  peakOpen: number;
  /** Streams received since the last reset. */
  started: number;
  /** Streams the client went away from before the end, since the last reset. */
  aborted: number;
}

export const DEFAULT_CONTENT: readonly string[] = ['Hello', ' from', ' the', ' simulator'];

/** How long a drop waits after the last chunk, so the client has read it before the reset. */
const DROP_GRACE_MS = 20;

const PROVIDERS: readonly ProviderName[] = ['groq', 'cerebras', 'local'];

const key = (provider: ProviderName, model: string) => `${provider}:${model}`;

export class ProviderSimulator {
  readonly requests: RecordedRequest[] = [];

  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly exchanges = new Set<Exchange>();
  private readonly behaviours = new Map<string, Behaviour[]>();
  private readonly rateLimitOverrides = new Map<string, Record<string, string>>();
  private readonly quota = new Map<string, QuotaUsed>();
  private readonly offered = new Map<ProviderName, string[]>();
  private readonly modelListFailures = new Map<ProviderName, number>();
  private readonly listRequests = new Map<ProviderName, number>();
  private readonly modelListDelays = new Map<ProviderName, number>();
  private defaultBehaviour: Behaviour = { kind: 'ok' };
  private port: number | undefined;
  private readonly streams: StreamStats = { open: 0, peakOpen: 0, started: 0, aborted: 0 };

  constructor(private readonly options: SimulatorOptions = {}) {
    // noDelay: every chunk leaves at once, so token timing is observable by the client.
    this.server = createServer({ noDelay: true }, (req, res) => {
      // A bug in the simulator should fail the request, not crash the test process.
      this.route(req, res).catch(() => res.destroy());
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ port: this.options.port ?? 0, host: '127.0.0.1', backlog: this.options.backlog }, () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  /** Closes the server and every socket, including hanging and stalled responses. */
  async stop(): Promise<void> {
    for (const exchange of this.exchanges) exchange.release();
    for (const socket of this.sockets) socket.destroy();
    this.server.closeAllConnections();
    if (!this.server.listening) return;
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }

  get groqBaseUrl(): string {
    return `${this.origin}/groq`;
  }

  get cerebrasBaseUrl(): string {
    return `${this.origin}/cerebras`;
  }

  /** The generic OpenAI-compatible server's base URL, as a catalog file's `baseUrl` names it (with /v1). */
  get localBaseUrl(): string {
    return `${this.origin}/local/v1`;
  }

  baseUrl(provider: ProviderName): string {
    return { groq: this.groqBaseUrl, cerebras: this.cerebrasBaseUrl, local: this.localBaseUrl }[provider];
  }

  /**
   * What the provider's models endpoint lists from now on, and the only models it serves: a chat
   * request for any other gets its 404 model_not_found (a retired model). null: back to listing
   * every model it was given a behaviour for, and serving any.
   */
  setOfferedModels(provider: ProviderName, models: string[] | null): void {
    if (models) this.offered.set(provider, [...models]);
    else this.offered.delete(provider);
  }

  /** The models endpoint answers with this status (and the provider's error body) until set back to null. */
  setModelListFailure(provider: ProviderName, status: number | null): void {
    if (status === null) this.modelListFailures.delete(provider);
    else this.modelListFailures.set(provider, status);
  }

  /** The models endpoint answers only after this long (a provider slow to list), until set back to null. */
  setModelListDelay(provider: ProviderName, delayMs: number | null): void {
    if (delayMs === null) this.modelListDelays.delete(provider);
    else this.modelListDelays.set(provider, delayMs);
  }

  /** How many times each provider's models endpoint was asked. */
  modelListRequests(provider: ProviderName): number {
    return this.listRequests.get(provider) ?? 0;
  }

  /** A queue: each request to that model takes the next behaviour; the last one repeats. */
  setBehaviour(provider: ProviderName, model: string, ...behaviours: Behaviour[]): void {
    if (behaviours.length === 0) throw new Error('setBehaviour needs at least one behaviour');
    this.behaviours.set(key(provider, model), [...behaviours]);
  }

  setDefaultBehaviour(behaviour: Behaviour): void {
    this.defaultBehaviour = behaviour;
  }

  /** Replaces (per header) the computed rate-limit headers for that model. */
  setRateLimitHeaders(provider: ProviderName, model: string, headers: Record<string, string>): void {
    this.rateLimitOverrides.set(key(provider, model), headers);
  }

  /** Clears behaviours, rate-limit overrides, quota counters, recorded requests and stream stats. */
  reset(): void {
    this.behaviours.clear();
    this.rateLimitOverrides.clear();
    this.quota.clear();
    this.offered.clear();
    this.modelListFailures.clear();
    this.listRequests.clear();
    this.modelListDelays.clear();
    this.defaultBehaviour = { kind: 'ok' };
    this.requests.length = 0;
    this.resetStreamStats();
  }

  /** How many streamed responses are open now, and the most that were open at once. */
  streamStats(): StreamStats {
    return { ...this.streams };
  }

  /** Starts a new measurement: the peak restarts from the streams open now; the counts from 0. */
  resetStreamStats(): void {
    this.streams.peakOpen = this.streams.open;
    this.streams.started = 0;
    this.streams.aborted = 0;
  }

  requestsFor(provider: ProviderName, model?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.provider === provider && (model === undefined || r.model === model));
  }

  /** Polls until the predicate holds, e.g. until a client abort has reached the simulator. */
  async waitFor(predicate: () => boolean, timeoutMs = 2_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private get origin(): string {
    if (this.port === undefined) throw new Error('ProviderSimulator not started');
    return `http://127.0.0.1:${this.port}`;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The path prefix (/groq, /cerebras) tells which provider the client thinks it is talking to.
    const { pathname } = new URL(req.url ?? '/', 'http://simulator');
    const [, prefix = '', ...rest] = pathname.split('/');
    const provider = PROVIDERS.find((p) => p === prefix);
    if (!provider) return sendJson(res, 404, { message: `Unknown provider prefix /${prefix}` });

    const wire = wireFormats[provider];
    const path = `/${rest.join('/')}`;
    if (req.method === 'POST' && path === wire.chatPath) return this.chat(provider, req, res);
    if (req.method === 'GET' && path === wire.modelsPath) return this.listModels(provider, res);
    if (req.method === 'GET' && provider === 'cerebras' && path === '/v1/tcp_warming') return sendJson(res, 200, {});
    sendJson(res, 404, wire.unknownRoute(req.method ?? 'GET', path));
  }

  private async chat(provider: ProviderName, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const wire = wireFormats[provider];
    let body: any;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      // Either the client went away while sending, or the body is not JSON.
      if (!res.destroyed) sendJson(res, 400, wire.errorBody(400, ''));
      return;
    }
    const model = typeof body?.model === 'string' ? body.model : '';
    const record: RecordedRequest = {
      provider,
      model,
      body,
      headers: req.headers,
      stream: body?.stream === true,
      aborted: false,
      completed: false,
    };
    if (this.options.recordRequests !== false) this.requests.push(record);
    // A request the provider refuses gets its 400 and leaves the scripted behaviours queued.
    const problem = wire.checkRequest(body);
    const retired = this.offered.has(provider) && !this.offered.get(provider)!.includes(model);
    const behaviour: Behaviour = problem
      ? { kind: 'error', status: 400, body: wire.badRequest(problem) }
      : retired
        ? { kind: 'error', status: 404 }
        : this.nextBehaviour(provider, model);
    this.options.onRequest?.(record, behaviour);

    const promptTokens = estimatePromptTokens(body);
    const headers = this.rateLimitHeaders(provider, model, promptTokens);
    const exchange = new Exchange(res, record);
    this.exchanges.add(exchange);
    res.on('close', () => this.exchanges.delete(exchange));
    if (record.stream) this.countStream(res, record);

    const ctx: ResponseContext = {
      id: `chatcmpl-${randomUUID()}`,
      requestId: `req_${randomUUID().replaceAll('-', '')}`,
      created: Math.floor(Date.now() / 1000),
      model,
      usage: { prompt_tokens: promptTokens, completion_tokens: 0 },
      hasRawUsage: false,
      finishReason: 'stop',
      includeUsage: body?.stream_options?.include_usage === true,
      reasoning: wire.reasoningOutput(body),
    };
    await play(exchange, wire, ctx, behaviour, headers);
  }

  /** Registered after the Exchange's own close listener, so `record.aborted` is known by then. */
  private countStream(res: ServerResponse, record: RecordedRequest): void {
    const streams = this.streams;
    streams.open += 1;
    streams.started += 1;
    streams.peakOpen = Math.max(streams.peakOpen, streams.open);
    res.once('close', () => {
      streams.open -= 1;
      if (record.aborted) streams.aborted += 1;
    });
  }

  private nextBehaviour(provider: ProviderName, model: string): Behaviour {
    const queue = this.behaviours.get(key(provider, model));
    if (!queue) return this.defaultBehaviour;
    return queue.length > 1 ? queue.shift()! : queue[0]!;
  }

  /** Counts this request against the model's quota and returns the headers to send. */
  private rateLimitHeaders(provider: ProviderName, model: string, tokens: number): Record<string, string> {
    const k = key(provider, model);
    const used = this.quota.get(k) ?? { requests: 0, tokens: 0 };
    used.requests += 1;
    used.tokens += tokens;
    this.quota.set(k, used);
    return { ...wireFormats[provider].rateLimitHeaders(used), ...this.rateLimitOverrides.get(k) };
  }

  private async listModels(provider: ProviderName, res: ServerResponse): Promise<void> {
    this.listRequests.set(provider, this.modelListRequests(provider) + 1);
    const delay = this.modelListDelays.get(provider);
    if (delay !== undefined) await new Promise((resolve) => setTimeout(resolve, delay));
    if (res.destroyed) return;
    const wire = wireFormats[provider];
    const failure = this.modelListFailures.get(provider);
    if (failure !== undefined) return sendJson(res, failure, wire.errorBody(failure, ''));
    sendJson(res, 200, wire.modelList(this.models(provider)));
  }

  private models(provider: ProviderName): string[] {
    const offered = this.offered.get(provider);
    if (offered) return offered;
    const configured = [...this.behaviours.keys()]
      .filter((k) => k.startsWith(`${provider}:`))
      .map((k) => k.slice(provider.length + 1));
    return [...new Set([...(this.options.models?.[provider] ?? []), ...configured])];
  }
}

/**
 * One in-flight response. Knows whether the client went away (→ `aborted`), and cancels its
 * pending delays when the connection closes so nothing keeps running afterwards.
 */
class Exchange {
  private readonly pending = new Map<NodeJS.Timeout, (open: boolean) => void>();
  /** The simulator itself ends the connection (drop, refuse, stop): not a client abort. */
  private released = false;
  private lastWrite: Promise<void> = Promise.resolve();
  private readonly closed: Promise<void>;

  constructor(
    readonly res: ServerResponse,
    readonly record: RecordedRequest,
  ) {
    this.closed = new Promise((resolve) => res.once('close', resolve));
    res.on('finish', () => (record.completed = true));
    res.on('close', () => {
      if (!res.writableFinished && !this.released) record.aborted = true;
      for (const [timer, resolve] of this.pending) {
        clearTimeout(timer);
        resolve(false);
      }
      this.pending.clear();
    });
    res.on('error', () => undefined); // a write racing a client abort is not a simulator failure
  }

  get open(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }

  /** Resolves true after `ms`, or false as soon as the connection is closed. */
  sleep(ms = 0): Promise<boolean> {
    if (ms <= 0 || !this.open) return Promise.resolve(this.open);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve(this.open);
      }, ms);
      this.pending.set(timer, resolve);
    });
  }

  write(data: string): void {
    if (!this.open) return;
    this.lastWrite = new Promise((resolve) => this.res.write(data, () => resolve()));
  }

  /** Writes one SSE data frame as its own write, so it is flushed on its own. */
  event(data: unknown): void {
    this.write(sseFrame(data));
  }

  /** Writes `data` one byte per write, each handed to the OS before the next; false if closed. */
  async writeBytewise(data: string): Promise<boolean> {
    for (const byte of Buffer.from(data, 'utf8')) {
      if (!this.open) return false;
      this.lastWrite = new Promise((resolve) => this.res.write(Uint8Array.of(byte), () => resolve()));
      if (!(await this.flushed())) return false;
    }
    return this.open;
  }

  /** Writes as much as the client reads: resolves once `data` is buffered below the high-water mark, false if closed. */
  async writeWithBackpressure(data: Uint8Array | string): Promise<boolean> {
    if (!this.open) return false;
    if (this.res.write(data)) return true;
    await Promise.race([new Promise((resolve) => this.res.once('drain', resolve)), this.closed]);
    return this.open;
  }

  /** Resolves once everything written so far has been handed to the OS (false if closed). */
  async flushed(): Promise<boolean> {
    await Promise.race([this.lastWrite, this.closed]);
    return this.open;
  }

  end(data?: string): void {
    if (this.open) this.res.end(data);
  }

  release(): void {
    this.released = true;
  }

  /** Destroys the socket without a (complete) response. */
  destroy(): void {
    this.release();
    this.res.socket?.destroy();
  }
}

function sseFrame(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

async function play(
  ex: Exchange,
  wire: WireFormat,
  ctx: ResponseContext,
  behaviour: Behaviour,
  headers: Record<string, string>,
): Promise<void> {
  const streaming = ex.record.stream;
  switch (behaviour.kind) {
    case 'ok':
      return streaming ? stream(ex, wire, ctx, behaviour, headers) : complete(ex, wire, ctx, behaviour, headers);
    case 'error': {
      const errorHeaders = { ...headers, ...wire.errorHeaders(behaviour.status), ...behaviour.headers };
      return sendJson(ex.res, behaviour.status, behaviour.body ?? wire.errorBody(behaviour.status, ctx.model), errorHeaders);
    }
    case 'unterminated-body':
      return unterminatedBody(ex, behaviour, headers);
    case 'hang':
      return; // the socket stays open until the client gives up or stop() runs
    case 'refuse':
      return ex.destroy();
  }

  if (!streaming) return breakCompletion(ex, wire, ctx, behaviour, headers);
  const { reasoning, content, toolCalls, argumentFragments } = behaviour;
  const answer: OkBehaviour = { kind: 'ok', reasoning, content, toolCalls, argumentFragments };
  return stream(ex, wire, ctx, answer, headers, streamCut(ex, wire, behaviour));
}

/** Behaviours that break a response after some chunks of its answer. */
type BreakingBehaviour = Exclude<Behaviour, { kind: 'ok' | 'error' | 'hang' | 'refuse' | 'unterminated-body' }>;

/** Where and how a breaking behaviour interrupts the stream. */
interface StreamCut {
  afterChunks: number;
  /** Does the damage; 'continue' resumes the normal stream. */
  apply: () => Promise<'continue' | 'stop'> | 'continue' | 'stop';
}

function streamCut(ex: Exchange, wire: WireFormat, behaviour: BreakingBehaviour): StreamCut {
  switch (behaviour.kind) {
    case 'stall-after-first-token':
      return { afterChunks: 1, apply: () => 'stop' };
    case 'drop-mid-stream':
      return {
        afterChunks: behaviour.afterChunks ?? 1,
        apply: async () => {
          // Let the client read what was sent: undici discards queued body chunks on a socket error.
          if (await ex.flushed()) await ex.sleep(DROP_GRACE_MS);
          ex.destroy();
          return 'stop' as const;
        },
      };
    case 'malformed-chunk':
      return {
        afterChunks: behaviour.afterChunks ?? 1,
        apply: () => {
          ex.write('data: {not json\n\n');
          return 'continue';
        },
      };
    case 'error-frame': {
      const frame = wire.errorFrame(behaviour.status ?? 500, behaviour.message ?? 'Internal server error (simulated)');
      return {
        afterChunks: behaviour.afterChunks ?? 1,
        apply: () => {
          ex.event(frame);
          ex.end();
          return 'stop';
        },
      };
    }
  }
}

async function stream(
  ex: Exchange,
  wire: WireFormat,
  ctx: ResponseContext,
  ok: OkBehaviour,
  headers: Record<string, string>,
  cut?: StreamCut,
): Promise<void> {
  const plan = planAnswer(wire, ctx, ok);
  const finished = { ...ctx, ...finalFields(ctx, ok, plan) };
  ex.res.writeHead(200, { ...headers, ...ok.headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  ex.res.flushHeaders(); // headers go out now; the first token follows after firstTokenDelayMs
  if (!(await ex.sleep(ok.firstTokenDelayMs))) return;
  if (!cut && !ok.bytePerWrite && !ok.interChunkDelayMs && !ok.pauseAfterFirstTokenMs) {
    // Nothing between the frames: one write, as a provider's socket would carry them, so the
    // simulator's own per-write cost does not set the pace of a fast stream.
    const frames = plan.deltas.map((delta, index) => sseFrame(wire.deltaChunk(ctx, delta, index === 0)));
    for (const chunk of wire.finishChunks(finished)) frames.push(sseFrame(chunk));
    frames.push('data: [DONE]\n\n');
    return ex.end(frames.join(''));
  }
  const event = async (data: unknown): Promise<boolean> => {
    if (ok.bytePerWrite) return ex.writeBytewise(sseFrame(data));
    ex.event(data);
    return true;
  };

  for (let sent = 0; ; sent++) {
    if (cut?.afterChunks === sent && (await cut.apply()) === 'stop') return;
    if (sent === plan.deltas.length) break;
    const pause = sent === 0 ? 0 : ok.interChunkDelayMs;
    if (!(await ex.sleep(pause))) return;
    if (!(await event(wire.deltaChunk(ctx, plan.deltas[sent]!, sent === 0)))) return;
    if (sent === 0 && !(await ex.sleep(ok.pauseAfterFirstTokenMs))) return;
  }
  for (const chunk of wire.finishChunks(finished)) if (!(await event(chunk))) return;
  if (ok.bytePerWrite && !(await ex.writeBytewise('data: [DONE]\n\n'))) return;
  ex.end(ok.bytePerWrite ? undefined : 'data: [DONE]\n\n');
}

async function unterminatedBody(ex: Exchange, behaviour: UnterminatedBodyBehaviour, headers: Record<string, string>): Promise<void> {
  ex.res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = Buffer.alloc(behaviour.chunkBytes ?? 64 * 1024, 'x');
  if (!(await ex.writeWithBackpressure('data: '))) return;
  for (let left = behaviour.bytes; left > 0; left -= chunk.length) {
    if (!(await ex.writeWithBackpressure(left >= chunk.length ? chunk : chunk.subarray(0, left)))) return;
  }
  ex.end();
}

async function complete(
  ex: Exchange,
  wire: WireFormat,
  ctx: ResponseContext,
  ok: OkBehaviour,
  headers: Record<string, string>,
): Promise<void> {
  const plan = planAnswer(wire, ctx, ok);
  // A non-streamed answer arrives once the whole generation would have finished.
  const generationMs =
    (ok.firstTokenDelayMs ?? 0) +
    (ok.pauseAfterFirstTokenMs ?? 0) +
    (ok.interChunkDelayMs ?? 0) * Math.max(0, plan.deltas.length - 1);
  if (!(await ex.sleep(generationMs))) return;
  const finished = { ...ctx, ...finalFields(ctx, ok, plan) };
  sendJson(ex.res, 200, wire.completion(finished, plan.message), { ...headers, ...ok.headers });
}

/** Non-streamed counterparts of the stream-breaking behaviours. */
function breakCompletion(
  ex: Exchange,
  wire: WireFormat,
  ctx: ResponseContext,
  behaviour: BreakingBehaviour,
  headers: Record<string, string>,
): void {
  const json = { ...headers, 'content-type': 'application/json' };
  switch (behaviour.kind) {
    case 'stall-after-first-token':
      ex.res.writeHead(200, json);
      ex.res.flushHeaders();
      return;
    case 'drop-mid-stream': {
      ex.res.writeHead(200, json);
      const body = JSON.stringify(wire.completion(ctx, planAnswer(wire, ctx, behaviour).message));
      ex.write(body.slice(0, Math.floor(body.length / 2)));
      return ex.destroy();
    }
    case 'malformed-chunk':
      ex.res.writeHead(200, json);
      return ex.end('{not json');
    case 'error-frame': {
      const status = behaviour.status ?? 500;
      return sendJson(ex.res, status, wire.errorBody(status, ctx.model), headers);
    }
  }
}

/** One response's answer in the provider's dialect, defaults filled in. */
interface AnswerPlan {
  /** Every delta of the stream, in order; the first chunk adds the role. */
  deltas: Json[];
  /** The same answer, non-streamed. */
  message: AnswerMessage;
  completionTokens: number;
}

function planAnswer(wire: WireFormat, ctx: ResponseContext, answer: Answer): AnswerPlan {
  const toolCalls: ToolCall[] = (answer.toolCalls ?? []).map((call) => ({
    id: call.id ?? `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`,
    name: call.name,
    arguments: call.arguments,
  }));
  const answered = answer.content ?? (toolCalls.length > 0 ? [] : DEFAULT_CONTENT);
  const reasoning = answer.reasoning ?? [];
  const parsed = ctx.reasoning === 'parsed' ? reasoning : [];
  // Raw reasoning opens and closes the content in the deltas it came in, so chunks count the same.
  const content = ctx.reasoning === 'raw' && reasoning.length > 0 ? [...thinkTagged(reasoning), ...answered] : answered;
  const text = content.join('');
  return {
    deltas: [
      ...parsed.map((delta) => ({ reasoning: delta })),
      ...content.map((delta) => ({ content: delta })),
      ...toolCalls.flatMap((call, index) => wire.toolCallDeltas(call, index, answer.argumentFragments)),
    ],
    message: {
      content: text === '' && toolCalls.length > 0 ? null : text,
      ...(parsed.length > 0 && { reasoning: parsed.join('') }),
      toolCalls,
    },
    completionTokens:
      reasoning.length + answered.length + toolCalls.reduce((sum, call) => sum + Math.ceil(call.arguments.length / 4), 0),
  };
}

/** The deltas with `<think>` before the first and `</think>` after the last. */
function thinkTagged(deltas: readonly string[]): string[] {
  return deltas.map((delta, i) => `${i === 0 ? '<think>' : ''}${delta}${i === deltas.length - 1 ? '</think>' : ''}`);
}

function finalFields(ctx: ResponseContext, ok: OkBehaviour, plan: AnswerPlan) {
  return {
    usage: ok.usage ?? { prompt_tokens: ctx.usage.prompt_tokens, completion_tokens: plan.completionTokens },
    ...('rawUsage' in ok ? { hasRawUsage: true, rawUsage: ok.rawUsage } : {}),
    finishReason: ok.finishReason ?? (plan.message.toolCalls.length > 0 ? 'tool_calls' : 'stop'),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { ...headers, 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** ceil(characters of message text / 4), a common rough token estimate. */
export function estimatePromptTokens(body: unknown): number {
  const messages = (body as { messages?: unknown })?.messages;
  if (!Array.isArray(messages)) return 0;
  let chars = 0;
  for (const message of messages) {
    const content = (message as { content?: unknown })?.content;
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) {
      for (const part of content) {
        const text = (part as { text?: unknown })?.text;
        if (typeof text === 'string') chars += text.length;
      }
    }
  }
  return Math.ceil(chars / 4);
}

/** Splits text into word-sized deltas (each keeps its leading space), like a token stream. */
export function toDeltas(text: string): string[] {
  return text.split(/(?=\s)/);
}
