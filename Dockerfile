# Parley in a container (docs/deploy.md, "Docker"). Build: docker build -t parley .
# Run with Postgres: compose.yaml. The image runs the server with only the permissions it needs
# on Postgres; the embedded database is for laptops, not containers (see docs/deploy.md).
FROM denoland/deno:2.9.6

WORKDIR /app

# Dependencies first, so a code change does not download them again.
COPY deno.json deno.lock ./
RUN deno install --frozen

COPY . .
# The front-end assets (dist/), then every module the server and the CLI load, so the container
# starts without the network (--cached-only).
RUN deno task build && deno cache main.ts cli/admin.ts

# The image's unprivileged user; the code stays owned by root and read-only to it.
USER deno
ENV HOST=0.0.0.0 PORT=8000
EXPOSE 8000

# The image's entrypoint (tini, then deno) forwards SIGTERM: Parley drains and exits within
# PARLEY_DRAIN_TIMEOUT_MS (4 s), inside Docker's default 10 s stop timeout.
CMD ["run", "--cached-only", "--v8-flags=--max-semi-space-size=4", "--allow-net", "--allow-env", "--allow-read", "main.ts"]
