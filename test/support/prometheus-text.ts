// A strict reader of the Prometheus text exposition format (0.0.4), for asserting on GET /metrics:
// a malformed line, a sample without a `# TYPE`, or a series exposed twice throws.

export interface Sample {
  /** As written: `x_bucket`, `x_sum` and `x_count` keep their suffix. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  /** Undefined while no `# TYPE` line named the family. */
  type?: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

export interface Scrape {
  families: Map<string, MetricFamily>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
/** The samples a histogram or summary family writes besides its own name. */
const SUFFIXES: Record<string, readonly string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

export function parsePrometheusText(text: string): Scrape {
  const families = new Map<string, MetricFamily>();
  const seen = new Set<string>();
  const family = (name: string): MetricFamily => {
    let entry = families.get(name);
    if (!entry) {
      entry = { name, help: '', samples: [] };
      families.set(name, entry);
    }
    return entry;
  };

  text.split('\n').forEach((line, index) => {
    const fail = (why: string): never => {
      throw new Error(`line ${index + 1} of the scrape ${why}: ${JSON.stringify(line)}`);
    };
    if (line.trim() === '') return;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      const [, keyword, name, rest] = meta as unknown as [string, string, string, string];
      if (keyword === 'HELP') family(name).help = rest.replaceAll(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      else if (!TYPES.has(rest)) fail('has an unknown type');
      else if (family(name).type) fail('types a family twice');
      else family(name).type = rest as MetricFamily['type'];
      return;
    }
    if (line.startsWith('#')) return;

    const sample = parseSample(line, fail);
    const series = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort(([a], [b]) => a.localeCompare(b)))}`;
    if (seen.has(series)) fail('repeats a series');
    seen.add(series);
    const owner = familyOfSample(families, sample.name);
    if (!owner) fail('has a sample with no # TYPE before it');
    owner!.samples.push(sample);
  });
  return { families };
}

function parseSample(line: string, fail: (why: string) => never): Sample {
  const name = NAME.exec(line)?.[0] ?? fail('does not start with a metric name');
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    for (;;) {
      rest = rest.trimStart();
      if (rest.startsWith('}')) break;
      const label = LABEL_NAME.exec(rest)?.[0] ?? fail('has a bad label name');
      rest = rest.slice(label.length);
      if (!rest.startsWith('="')) fail(`has no ="..." after label ${label}`);
      rest = rest.slice(2);
      let value = '';
      for (;;) {
        const char = rest[0] ?? fail('has an unterminated label value');
        rest = rest.slice(1);
        if (char === '"') break;
        if (char === '\\') {
          const escaped = rest[0] ?? fail('ends inside an escape');
          rest = rest.slice(1);
          value += escaped === 'n' ? '\n' : escaped === '\\' || escaped === '"' ? escaped : fail(`has an unknown escape \\${escaped}`);
        } else value += char;
      }
      if (label in labels) fail(`repeats label ${label}`);
      labels[label] = value;
      rest = rest.trimStart();
      if (rest.startsWith(',')) rest = rest.slice(1);
      else if (!rest.startsWith('}')) fail('has labels not separated by commas');
    }
    rest = rest.slice(1);
  }
  const parts = rest.trim().split(/\s+/);
  if (!/^\s/.test(rest) || parts.length < 1 || parts.length > 2) fail('has no value, or more than a value and a timestamp');
  return { name, labels, value: parseValue(parts[0]!, fail) };
}

/** Like Prometheus (Go's ParseFloat): NaN and Inf in any case; prom-client writes `Nan`. */
function parseValue(text: string, fail: (why: string) => never): number {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') return Number.NaN;
    return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  const value = Number(text);
  return text !== '' && !Number.isNaN(value) ? value : fail('has a value that is not a number');
}

function familyOfSample(families: ReadonlyMap<string, MetricFamily>, sampleName: string): MetricFamily | undefined {
  for (const [type, suffixes] of Object.entries(SUFFIXES)) {
    for (const suffix of suffixes) {
      if (!sampleName.endsWith(suffix)) continue;
      const base = families.get(sampleName.slice(0, -suffix.length));
      if (base?.type === type) return base;
    }
  }
  const own = families.get(sampleName);
  return own?.type ? own : undefined;
}

/** The family a sample name (`x_bucket`, `x_total`, `x`) belongs to, if the scrape has it. */
export function familyOf(scrape: Scrape, sampleName: string): MetricFamily | undefined {
  return familyOfSample(scrape.families, sampleName);
}

/** Every sample with this exact name whose labels include `labels`. */
export function samplesOf(scrape: Scrape, name: string, labels: Record<string, string> = {}): Sample[] {
  const samples = familyOf(scrape, name)?.samples ?? [];
  return samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
}

/** The value of the one series with exactly these labels, or undefined when there is none. */
export function valueOf(scrape: Scrape, name: string, labels: Record<string, string> = {}): number | undefined {
  const keys = Object.keys(labels).sort().join();
  const matches = samplesOf(scrape, name, labels).filter((sample) => Object.keys(sample.labels).sort().join() === keys);
  return matches[0]?.value;
}

/** The sum of every sample with this exact name whose labels include `labels` (0 when there are none). */
export function sumOf(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  return samplesOf(scrape, name, labels).reduce((sum, sample) => sum + sample.value, 0);
}
