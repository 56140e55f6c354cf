// Clients that misbehave on purpose: readers that stop reading, bodies sent a byte at a time,
// uploads abandoned halfway. Raw sockets or node:http, so nothing smooths their behaviour over.
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface PausedRead {
  status: number;
  /** Everything read, once the response ended or the connection closed. */
  body: string;
  /** The connection closed before the response ended. */
  cut: boolean;
}

/**
 * POSTs `body` and reads the first bytes of the answer, then stops reading for `pauseMs`
 * (Infinity: never again; the caller destroys it through `socket`), then reads to the end.
 */
export function pausedReader(url: string, body: unknown, pauseMs: number): { done: Promise<PausedRead>; socket: Promise<Socket> } {
  let exposeSocket!: (socket: Socket) => void;
  const socket = new Promise<Socket>((resolve) => (exposeSocket = resolve));
  const done = new Promise<PausedRead>((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = httpRequest(url, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
    });
    req.on('socket', exposeSocket);
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      let received = '';
      let ended = false;
      res.setEncoding('utf8');
      res.once('data', (first: string) => {
        received += first;
        res.pause();
        if (Number.isFinite(pauseMs)) setTimeout(() => res.resume(), pauseMs);
        res.on('data', (chunk: string) => (received += chunk));
      });
      res.on('end', () => (ended = true));
      res.on('error', () => undefined);
      res.on('close', () => resolve({ status: res.statusCode ?? 0, body: received, cut: !ended }));
    });
    req.end(text);
  });
  return { done, socket };
}

/** Sends headers, then the body a byte every `intervalMs`; resolves with what the server answered when it closed. */
export function trickledBody(port: number, path: string, intervalMs: number): Promise<{ answer: string; closedAfterMs: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`);
      timer = setInterval(() => socket.writable && socket.write(' '), intervalMs);
    });
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, closedAfterMs: performance.now() - started });
    });
  });
}

/** Sends headers and half a body, then hangs up. */
export function abandonedUpload(port: number, path: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"messages":[`);
      setTimeout(() => socket.destroy(), 50);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
}

/** Resident memory of a process, in MB (Linux). */
export function residentMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) / 1024;
}

/** The gateway's JSON log lines at error level or above, and any non-JSON line (a warning on stderr). */
export function alarmingLines(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => {
      try {
        const level = (JSON.parse(line) as { level?: unknown }).level;
        return level === 'error' || level === 'fatal';
      } catch {
        return true;
      }
    });
}
