# syntax=docker/dockerfile:1
# The gateway as a container: `docker build -t llm-gateway .`, then
# `docker run -p 3000:3000 -e GROQ_API_KEY=... llm-gateway`.
# Two stages: the build stage has the dev dependencies (Nest CLI, TypeScript) and the sources;
# the runtime stage has only dist/ and the production dependencies.
# Node 22, as package.json's engines states: Node 20 reached end of life in April 2026, and three
# production dependencies (file-type, cookie, content-disposition) declare node >= 22. Pin a digest
# in production.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# swagger-ui-dist pulls in @scarf/scarf, whose install script reports the install to a third party.
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
# `npm run build` first runs scripts/generate-swagger-metadata.mjs (the Swagger metadata is
# compiled into dist/metadata.js), then `nest build`.
COPY scripts/ scripts/
COPY src/ src/
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production
# package.json is needed at runtime too: its "type": "module" makes Node load dist/*.js as ESM.
COPY package.json package-lock.json ./
# --ignore-scripts: no production dependency needs an install script (the only one is
# @scarf/scarf's report), and package.json has no prepare/postinstall.
# PRODUCTION_INSTALL: scripts/check-production-install.sh runs the next line (up to `&&`) in CI.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
# At runtime the gateway reads only dist/ and node_modules (Swagger UI's assets come from
# swagger-ui-dist there): no openapi.json, no public folder. A MODELS_FILE is mounted, not baked in.
COPY --from=build /app/dist ./dist

# The files stay owned by root, so the process cannot change its own code. The image's `node`
# user, by uid so that Kubernetes' runAsNonRoot can verify it is not root.
USER 1000:1000
ENV HOST=0.0.0.0 PORT=3000
EXPOSE 3000
# Docker's own check (Kubernetes ignores it and uses the probes in deploy/kubernetes/). The slim
# image has no curl: node itself asks /health/live, which checks no dependency.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
# The gateway drains on SIGTERM (answers in flight get SHUTDOWN_GRACE_MS). Node runs as PID 1 and
# gets the signal directly; it has handlers, so it does not ignore it as PID 1 would by default.
# `docker run --init` (tini) would add zombie reaping and signal forwarding, which a process
# that starts no children does not need, at the cost of one more process between the signal and
# the gateway.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
