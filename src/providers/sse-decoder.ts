/**
 * Incremental decoder for the `data:` lines of an SSE body. Yields each event's data as soon as
 * its terminating blank line arrives, never waiting for the next network chunk (the Cerebras
 * SDK's own splitter holds the last complete event back until more bytes come).
 */
export async function* decodeSseData(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  for await (const bytes of body) {
    buffer += typeof bytes === 'string' ? bytes : decoder.decode(bytes, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) !== -1) {
      let line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') {
        if (data.length > 0) yield data.join('\n');
        data = [];
      } else if (line.startsWith('data:')) {
        data.push(line.slice(line.charAt(5) === ' ' ? 6 : 5));
      }
      // Comments (`:`), `event:`, `id:` and `retry:` lines carry nothing the gateway uses.
    }
  }
  buffer += decoder.decode();
  if (buffer.startsWith('data:')) data.push(buffer.slice(buffer.charAt(5) === ' ' ? 6 : 5));
  if (data.length > 0) yield data.join('\n');
}
