/**
 * Reads the frames of one stream that differ from an earlier frame only in their text, without
 * JSON.parse. Within a stream a provider repeats everything around the token (id, created,
 * model, index, logprobs, finish_reason: null); JSON.parse would rebuild all of it for every token.
 *
 * After a frame whose only text is one string (`delta.content` or `delta.reasoning`), the frame
 * is kept as a template: the text before that string literal and the text after it. A later
 * frame that starts and ends with exactly those and holds one valid string literal between them
 * has the same syntax tree with another leaf (JSON is context-free), so its reading is that
 * string in that field and nothing else. The template is checked once when it is made, by
 * parsing it with a marker in the hole: it is used only if the marker comes back in the field
 * and nothing else is read from the frame (no usage, tool calls, error or finish reason). Any
 * other frame goes to JSON.parse. Property tests (frame-template.spec.ts) hold the readings equal
 * to JSON.parse's, frame by frame, for streams of good and damaged frames.
 */

/** What a template hit reads: one text field of the first choice's delta. */
export interface TemplateChunk {
  choices: [{ delta: { content: string } | { reasoning: string } }];
}

type TextField = 'content' | 'reasoning';

interface Template {
  /** Up to and including the opening quote of the text's string literal. */
  prefix: string;
  /** From its closing quote on. */
  suffix: string;
  field: TextField;
  used: boolean;
}

/** A string literal's body no frame can hold: it decodes to a control character first. */
const MARKER_BODY = '\\u0001gateway-template';
const MARKER = '\u0001gateway-template';

/** A first frame with the role, a change of `created`: a stream wastes a template or two, not three. */
const MAX_WASTED = 3;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export class FrameTemplates {
  /** One per text field: a reasoning model streams its reasoning, then its answer. */
  private readonly templates: Partial<Record<TextField, Template>> = {};
  /** Templates replaced before they served a frame; past MAX_WASTED this stream does not repeat itself. */
  private wasted = 0;

  /** The frame's reading when it fits the template; null when JSON.parse must read it. */
  read(frame: string): TemplateChunk | null {
    return this.readWith(this.templates.content, frame) ?? this.readWith(this.templates.reasoning, frame);
  }

  private readWith(template: Template | undefined, frame: string): TemplateChunk | null {
    if (!template) return null;
    const { prefix, suffix } = template;
    // lastIndexOf(prefix, 0) looks at position 0 only, and compares in bulk: startsWith goes char by char.
    if (frame.length < prefix.length + suffix.length || frame.lastIndexOf(prefix, 0) !== 0 || !frame.endsWith(suffix)) return null;
    const body = frame.slice(prefix.length, frame.length - suffix.length);
    const text = decodeStringBody(body);
    if (text === null) return null;
    template.used = true;
    return { choices: [{ delta: template.field === 'content' ? { content: text } : { reasoning: text } }] };
  }

  /** After JSON.parse read `frame` as `parsed`: keeps it as the template if it is a plain text delta. */
  learn(frame: string, parsed: unknown): void {
    if (this.wasted >= MAX_WASTED) return;
    const hole = textHole(parsed);
    if (!hole) return;
    // The literal as the provider most likely wrote it; a provider escaping differently gets no template.
    const literal = JSON.stringify(hole.text);
    const start = frame.lastIndexOf(literal);
    if (start === -1) return;
    const candidate: Template = { prefix: frame.slice(0, start + 1), suffix: frame.slice(start + literal.length - 1), field: hole.field, used: false };
    if (!verified(candidate)) return;
    const previous = this.templates[hole.field];
    if (previous && !previous.used) this.wasted += 1;
    if (this.wasted >= MAX_WASTED) {
      delete this.templates.content;
      delete this.templates.reasoning;
    } else {
      this.templates[hole.field] = candidate;
    }
  }
}

/** The one text field of a plain delta frame, or null when the frame carries anything else. */
function textHole(parsed: unknown): { field: TextField; text: string } | null {
  if (!isRecord(parsed)) return null;
  for (const key of ['usage', 'error', 'x_groq', 'status_code']) if (parsed[key] !== undefined && parsed[key] !== null) return null;
  const { choices } = parsed;
  if (!Array.isArray(choices) || choices.length === 0) return null;
  const choice: unknown = choices[0];
  if (!isRecord(choice) || (choice.finish_reason !== undefined && choice.finish_reason !== null)) return null;
  const { delta } = choice;
  if (!isRecord(delta) || (delta.tool_calls !== undefined && delta.tool_calls !== null)) return null;
  const { content, reasoning } = delta;
  const absent = (value: unknown) => value === undefined || value === null;
  if (typeof content === 'string' && content !== '' && absent(reasoning)) return { field: 'content', text: content };
  if (typeof reasoning === 'string' && reasoning !== '' && absent(content)) return { field: 'reasoning', text: reasoning };
  return null;
}

/** The template with a marker in its hole parses, and reads as the marker in its field and nothing else. */
function verified(template: Template): boolean {
  let probe: unknown;
  try {
    probe = JSON.parse(template.prefix + MARKER_BODY + template.suffix);
  } catch {
    return false;
  }
  const hole = textHole(probe);
  return hole !== null && hole.field === template.field && hole.text === MARKER;
}

/**
 * The text of a JSON string literal's body (between its quotes), or null when it is not one: an
 * unescaped quote or control character, or an escape that is not JSON's. Escapes are rare in a
 * token; JSON.parse decodes those.
 */
function decodeStringBody(body: string): string | null {
  let escaped = false;
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    if (code === QUOTE || code < 0x20) return null;
    if (code !== BACKSLASH) continue;
    escaped = true;
    const next = body.charCodeAt(i + 1);
    // " \ / b f n r t
    if (next === 0x22 || next === 0x5c || next === 0x2f || next === 0x62 || next === 0x66 || next === 0x6e || next === 0x72 || next === 0x74) {
      i += 1;
    } else if (next === 0x75 && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 2, i + 6))) {
      i += 5;
    } else {
      return null;
    }
  }
  return escaped ? (JSON.parse(`"${body}"`) as string) : body;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
