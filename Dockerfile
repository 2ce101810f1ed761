# InferaDB Management API — one Dockerfile, one image target per process.
#
#   docker build --target gateway -t inferadb/management-gateway .   # public HTTP entry, port 3000
#   docker build --target auth    -t inferadb/management-auth .      # port 3101
#   docker build --target orgs    -t inferadb/management-orgs .      # port 3102
#   docker build --target audit   -t inferadb/management-audit .     # port 3103
#   docker build --target mailer  -t inferadb/management-mailer .    # port 3104
#   docker build --target web     -t inferadb/management-web .       # the web console, port 3105
#   docker build --target migrate -t inferadb/management-migrate .   # one-shot: `migrate` of every service
#
# Every target holds the same installed project; only the entry point differs, so any image can also
# run another process's command (`docker run --entrypoint inferadb-orgs … migrate`). `docker build .`
# without --target builds the gateway (the last stage).
#
# The runtime image runs as uid/gid 10001, writes nothing outside /tmp and /app/data (the data volume,
# used only by the SQLite backend), and reads its configuration from /app/config.yaml — a copy of the
# repository's config.yaml — plus INFERADB_MGMT__SECTION__KEY environment overrides.

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------------------
# builder: install the project (no dev extras) into a virtualenv that the runtime stage copies.
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# binutils' strip, in the builder only: the wheels' extension modules keep symbols that double their size.
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends binutils >/dev/null \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml ./
COPY libs/common/src libs/common/src
COPY gateway/src gateway/src
COPY services/auth/src services/auth/src
COPY services/orgs/src services/orgs/src
COPY services/audit/src services/audit/src
COPY services/mailer/src services/mailer/src
COPY web/src web/src
# The runtime needs neither pip nor setuptools, nor the extension modules' symbols (the image is
# ~60 MB smaller without them). Byte-code is compiled here, once, so the read-only runtime never
# needs to write it.
RUN pip install . \
    && python -m pip uninstall -y -q pip setuptools \
    && find /opt/venv -name '*.so' -exec strip --strip-unneeded {} + \
    && python -m compileall -q --invalidation-mode unchecked-hash /opt/venv/lib

# ---------------------------------------------------------------------------------------------------
# runtime: slim Python, the virtualenv, the configuration file and an unprivileged user.
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TMPDIR=/tmp \
    INFERADB_MGMT_CONFIG_PATH=/app/config.yaml \
    INFERADB_MGMT__SERVER__HTTP_HOST=0.0.0.0 \
    INFERADB_MGMT__SERVER__INTERNAL_HOST=0.0.0.0
RUN groupadd --system --gid 10001 inferadb \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin inferadb \
    && mkdir -p /app/data \
    && chown 10001:10001 /app/data
COPY --from=builder /opt/venv /opt/venv
COPY config.yaml /app/config.yaml
WORKDIR /app
VOLUME ["/app/data"]
USER 10001:10001
STOPSIGNAL SIGTERM
# Liveness of the process this image runs (INFERADB_SERVICE, set by each target), on the port its
# configuration gives it: server.http_port for the gateway, the port of services.<name>_url otherwise.
# python, not curl: the slim image has no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import http.client, os, sys; from inferadb_common.config import bind_address, load_settings; s = load_settings(); n = os.environ['INFERADB_SERVICE']; port = s.server.http_port if n == 'gateway' else bind_address(s.services.url_of(n))[1]; c = http.client.HTTPConnection('127.0.0.1', port, timeout=4); c.request('GET', '/v1/health/live'); sys.exit(0 if c.getresponse().status == 200 else 1)"]

# ---------------------------------------------------------------------------------------------------
# migrate: bring every service's schema to the code's revision, then exit (compose's one-shot
# `migrate` service; on PostgreSQL storage.auto_migrate defaults to false).
FROM runtime AS migrate
ENV INFERADB_SERVICE=migrate
HEALTHCHECK NONE
ENTRYPOINT ["sh", "-c", "for service in auth orgs audit mailer; do inferadb-$service migrate || exit 1; done", "inferadb-migrate"]

FROM runtime AS auth
ENV INFERADB_SERVICE=auth
EXPOSE 3101
ENTRYPOINT ["inferadb-auth"]
CMD ["serve"]

FROM runtime AS orgs
ENV INFERADB_SERVICE=orgs
# 3102 the service; 9091 (server.internal_port) the InferaDB engine's internal API
EXPOSE 3102 9091
ENTRYPOINT ["inferadb-orgs"]
CMD ["serve"]

FROM runtime AS audit
ENV INFERADB_SERVICE=audit
EXPOSE 3103
ENTRYPOINT ["inferadb-audit"]
CMD ["serve"]

FROM runtime AS mailer
ENV INFERADB_SERVICE=mailer
EXPOSE 3104
ENTRYPOINT ["inferadb-mailer"]
CMD ["serve"]

# The web console (console.md): reached through the gateway, which sends it every non-API path.
FROM runtime AS web
ENV INFERADB_SERVICE=web
EXPOSE 3105
ENTRYPOINT ["inferadb-web"]
CMD ["serve"]

FROM runtime AS gateway
ENV INFERADB_SERVICE=gateway
EXPOSE 3000
ENTRYPOINT ["inferadb-gateway"]
CMD ["serve"]
