# syntax=docker/dockerfile:1
# ecs-imagebuilder-emulator in a container: two stages, the release binary on debian:bookworm-slim,
# running as a non-root user, listening on 0.0.0.0:8080, state in the /data volume.
#
#   docker build -t ecs-imagebuilder-emulator .
#   docker run --rm -p 8080:8080 ecs-imagebuilder-emulator --phase-duration 0
#   docker run --rm -p 8080:8080 -v ibe-data:/data ecs-imagebuilder-emulator   # state survives restarts
#
# Final image: debian:bookworm-slim rather than distroless, because the HEALTHCHECK needs an HTTP
# client (curl) and distroless has no shell or curl; the binary links glibc only (SQLite is bundled),
# so a distroless/cc-debian12:nonroot image would also work, without the HEALTHCHECK.

FROM rust:1-bookworm AS build
WORKDIR /src
# The whole tree: Cargo.toml declares the tests/ and benches/ targets, so they must be present too
# (.dockerignore keeps target/, .venv/, node_modules/ and databases out).
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    cargo build --release --locked --bin ecs-imagebuilder-emulator \
    && install -m 0755 target/release/ecs-imagebuilder-emulator /usr/local/bin/ecs-imagebuilder-emulator

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 emulator \
    && useradd --system --uid 10001 --gid emulator --home-dir /data --shell /usr/sbin/nologin emulator \
    && mkdir -p /data \
    && chown emulator:emulator /data
COPY --from=build /usr/local/bin/ecs-imagebuilder-emulator /usr/local/bin/ecs-imagebuilder-emulator

USER 10001:10001
WORKDIR /data
ENV IBE_LISTEN=0.0.0.0:8080 \
    IBE_DB=/data/emulator.db
EXPOSE 8080
VOLUME /data
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:8080/_emulator/ready || exit 1
# Flags go after the image name: `docker run … ecs-imagebuilder-emulator --clock manual`.
ENTRYPOINT ["/usr/local/bin/ecs-imagebuilder-emulator"]
