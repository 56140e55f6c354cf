// The Dockerfile, the production-install check and the Kubernetes example agree with each other
// and with the app: probe paths, non-root, the production install, the shutdown grace period.
// No YAML parser is installed: the manifest is kept plain and read by indentation.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

/** The Dockerfile's last stage, its comments and line continuations removed. */
function runtimeStage(dockerfile: string): string[] {
  const lines = dockerfile
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
  return lines.slice(lines.findLastIndex((line) => /^FROM\s/.test(line)));
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The lines nested under the first line that starts with `key:` (or `- key:`), as one text. */
function section(yaml: string, key: string): string {
  const lines = yaml.split('\n');
  const start = lines.findIndex((line) => new RegExp(`^\\s*(- )?${escape(key)}:`).test(line));
  if (start < 0) throw new Error(`no "${key}:" found`);
  const indent = lines[start]!.search(/\S/);
  const nested: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    if (line.search(/\S/) <= indent) break;
    nested.push(line);
  }
  return nested.join('\n');
}

/** The scalar after `key:` in a YAML text (the first occurrence), quotes removed. */
function value(yaml: string, key: string): string | undefined {
  return new RegExp(`^\\s*(?:- )?${escape(key)}: *"?([^"\\n#]*?)"?\\s*(?:#.*)?$`, 'm').exec(yaml)?.[1];
}

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const runtime = runtimeStage(dockerfile);

  it('checks /health/live with node itself', () => {
    const healthcheck = runtime.find((line) => line.startsWith('HEALTHCHECK'));
    expect(healthcheck).toMatch(/CMD \["node", "-e", ".*\/health\/live/);
  });

  it('installs only production dependencies in the runtime stage and runs dist/main.js as a non-root user', () => {
    expect(runtime.filter((line) => /\bnpm (ci|install)\b/.test(line))).toEqual([expect.stringMatching(/^RUN npm ci --omit=dev /)]);
    const user = runtime.findLast((line) => line.startsWith('USER '));
    expect(user).toMatch(/^USER (node|[1-9]\d*)(:\S+)?$/);
    expect(runtime.indexOf(user!)).toBeLessThan(runtime.findIndex((line) => line.startsWith('CMD ')));
    expect(runtime).toContain('CMD ["node", "dist/main.js"]');
    expect(runtime).toContain('EXPOSE 3000');
    expect(runtime).toContain('STOPSIGNAL SIGTERM');
    expect(runtime).toContainEqual(expect.stringMatching(/^ENV .*NODE_ENV=production/));
  });

  it('gives scripts/check-production-install.sh the runtime install command and the files the runtime stage copies', () => {
    const script = read('scripts/check-production-install.sh');
    // The script reads the line after the marker, so both run the same install.
    const lines = dockerfile.split('\n');
    const marker = lines.findIndex((line) => line.startsWith('# PRODUCTION_INSTALL:'));
    expect(marker).toBeGreaterThan(-1);
    expect(runtime).toContain(lines[marker + 1]);
    expect(script).toContain("awk '/^# PRODUCTION_INSTALL:/");
    // Every file the runtime stage takes from the build context or the build stage, the script copies.
    const copied = runtime
      .filter((line) => line.startsWith('COPY '))
      .flatMap((line) => line.replace(/--\S+/g, '').trim().split(/\s+/).slice(1, -1))
      .map((source) => source.replace(/^\/app\//, ''));
    expect(copied.sort()).toEqual(['dist', 'package-lock.json', 'package.json']);
    expect(script).toContain('cp package.json package-lock.json "$work/"');
    expect(script).toContain('cp -R dist "$work/dist"');
  });

  it('keeps .env files and local installs out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(['.env', '.env.*', 'node_modules', 'dist', '.git']));
  });
});

describe('deploy/kubernetes/gateway.yaml', () => {
  const documents = read('deploy/kubernetes/gateway.yaml').split(/^---$/m);
  const ofKind = (kind: string) => {
    const found = documents.filter((document) => new RegExp(`^kind: ${kind}$`, 'm').test(document));
    expect({ kind, count: found.length }).toEqual({ kind, count: 1 });
    return found[0]!;
  };
  const deployment = ofKind('Deployment');
  const container = section(deployment, 'containers');

  it('has a Deployment of 2 replicas, a Service and a PodDisruptionBudget that select its pods', () => {
    expect(value(deployment, 'replicas')).toBe('2');
    const podLabel = value(section(deployment, 'template'), 'app.kubernetes.io/name');
    expect(podLabel).toBe('llm-gateway');
    expect(value(section(ofKind('Service'), 'selector'), 'app.kubernetes.io/name')).toBe(podLabel);
    expect(value(section(ofKind('PodDisruptionBudget'), 'selector'), 'app.kubernetes.io/name')).toBe(podLabel);
    expect(value(ofKind('PodDisruptionBudget'), 'minAvailable')).toBe('1');
  });

  it('probes /health/live for liveness and /health/ready for readiness, on the container port 3000', () => {
    const port = value(container, 'containerPort');
    expect(port).toBe('3000');
    const portName = value(section(container, 'ports'), 'name');
    for (const [probe, path] of [
      ['livenessProbe', '/health/live'],
      ['readinessProbe', '/health/ready'],
    ] as const) {
      const httpGet = section(section(container, probe), 'httpGet');
      const probed = value(httpGet, 'port');
      expect({ probe, path: value(httpGet, 'path'), port: probed === portName ? port : probed }).toEqual({ probe, path, port });
    }
  });

  it('runs as a non-root user on a read-only root filesystem, without privilege escalation', () => {
    const pod = section(section(deployment, 'spec'), 'securityContext');
    expect(value(pod, 'runAsNonRoot')).toBe('true');
    expect(Number(value(pod, 'runAsUser'))).toBeGreaterThan(0);
    const own = section(container, 'securityContext');
    expect(value(own, 'readOnlyRootFilesystem')).toBe('true');
    expect(value(own, 'allowPrivilegeEscalation')).toBe('false');
  });

  it('takes the provider keys from a Secret, never from a literal value', () => {
    for (const key of ['GROQ_API_KEY', 'CEREBRAS_API_KEY']) {
      expect(container).toMatch(new RegExp(`- name: ${key}\\n\\s*valueFrom:\\n\\s*secretKeyRef:`));
    }
  });

  it('gives a pod more time to stop than the preStop sleep plus the gateway grace period', () => {
    const graceSeconds = Number(value(deployment, 'terminationGracePeriodSeconds'));
    const preStop = section(section(container, 'lifecycle'), 'preStop');
    const sleepSeconds = Number(/\["sleep", "(\d+)"\]/.exec(preStop)?.[1]);
    const shutdownGraceMs = Number(value(ofKind('ConfigMap'), 'SHUTDOWN_GRACE_MS'));
    expect(sleepSeconds).toBeGreaterThan(0);
    expect(shutdownGraceMs).toBeGreaterThan(0);
    // 5 s of margin: the gateway sends cut-off answers their error frame after the grace period.
    expect(graceSeconds * 1000).toBeGreaterThanOrEqual(sleepSeconds * 1000 + shutdownGraceMs + 5_000);
  });
});
