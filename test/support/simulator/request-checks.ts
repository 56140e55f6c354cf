// The checks of a chat request's messages, tools and tool choice that Groq and Cerebras both
// make before answering, so a gateway that forwards a malformed conversation meets a real 400.
// Each dialect (wire-format.ts) runs them with its own roles and adds its own checks.
import type { Json, RequestProblem } from './wire-format.js';

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Both providers treat a null parameter as an absent one. */
export const given = (value: unknown): boolean => value !== undefined && value !== null;

const problem = (param: string, detail: string): RequestProblem => ({ param, message: `${param}: ${detail}` });

const quoted = (values: readonly string[]): string => values.map((v) => `'${v}'`).join(', ');

/** A required string field: missing, or not a string. */
function requiredString(owner: Json, field: string, path: string): RequestProblem | undefined {
  if (!(field in owner) || owner[field] === undefined) return problem(`${path}.${field}`, `property '${field}' is missing`);
  return typeof owner[field] === 'string' ? undefined : problem(`${path}.${field}`, 'value must be a string');
}

/** A required `type: 'function'`. */
function functionType(owner: Json, path: string): RequestProblem | undefined {
  if (owner.type === undefined) return problem(`${path}.type`, "property 'type' is missing");
  return owner.type === 'function' ? undefined : problem(`${path}.type`, "value must be 'function'");
}

/** A required object field, then `check` on it. */
function requiredObject(owner: Json, field: string, path: string, check: (value: Json) => RequestProblem | undefined) {
  const value = owner[field];
  if (value === undefined) return problem(`${path}.${field}`, `property '${field}' is missing`);
  return isObject(value) ? check(value) : problem(`${path}.${field}`, 'value must be an object');
}

/** An assistant message's `tool_calls[j]`: `{ id, type: 'function', function: { name, arguments } }`. */
function checkToolCall(call: unknown, path: string): RequestProblem | undefined {
  if (!isObject(call)) return problem(path, 'value must be an object');
  return (
    requiredString(call, 'id', path) ??
    functionType(call, path) ??
    requiredObject(call, 'function', path, (fn) => requiredString(fn, 'name', `${path}.function`) ?? requiredString(fn, 'arguments', `${path}.function`))
  );
}

function checkMessages(messages: unknown, roles: readonly string[]): RequestProblem | undefined {
  if (!Array.isArray(messages)) return undefined; // the simulator answers whatever else it is sent
  // A tool message answers a call an earlier assistant message made.
  const callIds = new Set<string>();
  for (const [i, message] of messages.entries()) {
    const path = `messages.${i}`;
    if (!isObject(message)) return problem(path, 'value must be an object');
    if (!roles.some((role) => role === message.role)) {
      return message.role === undefined
        ? problem(`${path}.role`, "property 'role' is missing")
        : problem(`${path}.role`, `value ${JSON.stringify(message.role)} is not one of ${quoted(roles)}`);
    }
    if (message.role === 'tool') {
      const wrong = requiredString(message, 'tool_call_id', path);
      if (wrong) return wrong;
      const id = message.tool_call_id as string;
      if (!callIds.has(id)) return problem(`${path}.tool_call_id`, `no earlier assistant message has a tool call with id '${id}'`);
    }
    if (message.role === 'assistant' && given(message.tool_calls)) {
      if (!Array.isArray(message.tool_calls)) return problem(`${path}.tool_calls`, 'value must be an array');
      for (const [j, call] of message.tool_calls.entries()) {
        const wrong = checkToolCall(call, `${path}.tool_calls.${j}`);
        if (wrong) return wrong;
        callIds.add((call as { id: string }).id);
      }
    }
  }
  return undefined;
}

/** `tools[j]`: `{ type: 'function', function: { name, parameters? } }`; returns the names. */
function checkTools(tools: unknown): RequestProblem | string[] {
  if (!given(tools)) return [];
  if (!Array.isArray(tools)) return problem('tools', 'value must be an array');
  const names: string[] = [];
  for (const [j, tool] of tools.entries()) {
    const path = `tools.${j}`;
    if (!isObject(tool)) return problem(path, 'value must be an object');
    const wrong =
      functionType(tool, path) ??
      requiredObject(tool, 'function', path, (fn) => {
        if (given(fn.parameters) && !isObject(fn.parameters)) return problem(`${path}.function.parameters`, 'value must be an object');
        return requiredString(fn, 'name', `${path}.function`);
      });
    if (wrong) return wrong;
    names.push((tool.function as { name: string }).name);
  }
  return names;
}

const TOOL_CHOICES = ['none', 'auto', 'required'];

/** A named `tool_choice` must name one of the request's tools. */
function checkToolChoice(choice: unknown, names: readonly string[]): RequestProblem | undefined {
  if (!given(choice)) return undefined;
  if (typeof choice === 'string') {
    return TOOL_CHOICES.includes(choice) ? undefined : problem('tool_choice', `value must be one of ${quoted(TOOL_CHOICES)} or a named function`);
  }
  if (!isObject(choice)) return problem('tool_choice', 'value must be a string or an object');
  const wrong = functionType(choice, 'tool_choice') ?? requiredObject(choice, 'function', 'tool_choice', (fn) => requiredString(fn, 'name', 'tool_choice.function'));
  if (wrong) return wrong;
  const name = (choice.function as { name: string }).name;
  return names.includes(name) ? undefined : problem('tool_choice.function.name', `function '${name}' is not among the request's tools`);
}

/** The first problem with the request's messages, tools or tool choice, if any. */
export function checkToolUse(body: Json, roles: readonly string[]): RequestProblem | undefined {
  const names = checkTools(body.tools);
  return checkMessages(body.messages, roles) ?? (Array.isArray(names) ? checkToolChoice(body.tool_choice, names) : names);
}
