// .env.example and docs/configuration.md describe the Environment class: every variable it reads,
// no variable it does not, and its defaults. A variable added to the class without them fails here.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getMetadataStorage } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { Environment, validateEnvironment } from './environment.js';

const read = (path: string): string => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');
const ENV_EXAMPLE = read('.env.example');
const CONFIGURATION = read('docs/configuration.md');

/** Not Environment properties, but named in docs/configuration.md on purpose (its "Other variables"). */
const OTHER_VARIABLES_IN_DOCS = new Set(['DEBUG', 'NODE_ENV', 'LOAD_PROFILE', 'LOAD_SEED']);

/** Every property of Environment: each carries at least one class-validator decorator. */
const PROPERTIES = [
  ...new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(Environment, '', true, false)
      .map((metadata) => metadata.propertyName),
  ),
].sort();
type Value = string | number | boolean | undefined;
const DEFAULTS = validateEnvironment({}) as unknown as Record<string, Value>;
const shown = (value: Value): string | undefined => (value === undefined ? undefined : String(value));

/** `NAME=value` lines, and `# NAME=…` ones (documented, without a default). */
function envExampleEntries(): { name: string; value: string; commented: boolean }[] {
  return [...ENV_EXAMPLE.matchAll(/^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((match) => ({
    name: match[2]!,
    value: match[3]!.trim(),
    commented: match[1] !== undefined,
  }));
}

/** The rows of the `| variable | default | meaning |` table: the names of the first cell, the second cell. */
function configurationTable(): { names: string[]; defaults: string }[] {
  const lines = CONFIGURATION.split('\n');
  const header = lines.findIndex((line) => /^\|\s*variable\s*\|\s*default\s*\|/.test(line));
  if (header === -1) throw new Error('docs/configuration.md has no "| variable | default | meaning |" table');
  const rows = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const [variables = '', defaults = ''] = line.split('|').slice(1);
    rows.push({ names: [...variables.matchAll(/`([^`]+)`/g)].map((match) => match[1]!), defaults: defaults.trim() });
  }
  return rows;
}

/** Every variable-like name in a text: `NAME` or `NAME=…` in backticks, and any bare UPPER_SNAKE word. */
function namesIn(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/`([A-Z][A-Z0-9_]*)(?:=[^`]*)?`/g)) names.add(match[1]!);
  for (const match of text.matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g)) names.add(match[0]);
  return names;
}

const missingFrom = (documented: Iterable<string>): string[] => {
  const names = new Set(documented);
  return PROPERTIES.filter((property) => !names.has(property));
};

describe('Environment documentation', () => {
  it('reads the properties of Environment', () => {
    expect(PROPERTIES.length).toBeGreaterThan(30);
    expect(PROPERTIES).toEqual(expect.arrayContaining(['PORT', 'GROQ_API_KEY', 'REDIS_REPLICA_ID', 'SHUTDOWN_GRACE_MS']));
  });

  it('.env.example lists every Environment variable, as NAME= or # NAME=', () => {
    expect(missingFrom(envExampleEntries().map((entry) => entry.name)), 'missing from .env.example').toEqual([]);
  });

  it('.env.example names no variable that Environment does not read', () => {
    const unknown = [...namesIn(ENV_EXAMPLE)].filter((name) => !PROPERTIES.includes(name));
    expect(unknown, 'in .env.example but not in Environment').toEqual([]);
  });

  it('a value in .env.example (NAME=value, not commented out) is the default of Environment', () => {
    const wrong = envExampleEntries()
      .filter((entry) => !entry.commented && PROPERTIES.includes(entry.name))
      .filter((entry) => (entry.value === '' ? undefined : entry.value) !== shown(DEFAULTS[entry.name]))
      .map((entry) => `${entry.name}=${entry.value} (default: ${shown(DEFAULTS[entry.name]) ?? 'unset'})`);
    expect(wrong, '.env.example values that are not the defaults').toEqual([]);
  });

  it('the table in docs/configuration.md lists every Environment variable', () => {
    expect(missingFrom(configurationTable().flatMap((row) => row.names)), 'missing from the table').toEqual([]);
  });

  it('docs/configuration.md names no variable that Environment does not read, but its other variables', () => {
    const unknown = [...namesIn(CONFIGURATION)].filter((name) => !PROPERTIES.includes(name) && !OTHER_VARIABLES_IN_DOCS.has(name));
    expect(unknown, 'in docs/configuration.md but not in Environment').toEqual([]);
    const tableNames = configurationTable().flatMap((row) => row.names);
    expect(tableNames.filter((name) => !PROPERTIES.includes(name)), 'table rows that are not Environment variables').toEqual([]);
  });

  it('a default in the table, when it is only code values (`3000`, `0.0.0.0`), is the default of Environment', () => {
    const wrong: string[] = [];
    for (const { names, defaults } of configurationTable()) {
      if (!/^`[^`]*`(?:,\s*`[^`]*`)*$/.test(defaults)) continue;
      const values = [...defaults.matchAll(/`([^`]*)`/g)].map((match) => match[1]!);
      expect(values, `one default per variable in the row of ${names.join(', ')}`).toHaveLength(names.length);
      names.forEach((name, index) => {
        if (values[index] !== shown(DEFAULTS[name])) wrong.push(`${name}: ${values[index]} (default: ${shown(DEFAULTS[name]) ?? 'unset'})`);
      });
    }
    expect(wrong, 'table defaults that are not the defaults').toEqual([]);
  });
});
