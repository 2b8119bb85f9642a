# Production image: stackd compiled into one self-contained executable, run as a non-root user.
# Build: docker build -t stackd .    Both architectures:
#   docker buildx build --platform linux/amd64,linux/arm64 -t <registry>/stackd:<tag> --push .
# Run: see README ("Production image").

# The build stage runs on the builder's own architecture (no emulation): Bun cross-compiles the
# executable for the target one. oven/bun and distroless/cc are published for amd64 and arm64.
FROM --platform=$BUILDPLATFORM oven/bun:1.4.5 AS build
ARG TARGETARCH
WORKDIR /app
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile --production --ignore-scripts
COPY src ./src
COPY machines ./machines
COPY tsconfig.json ./
RUN case "$TARGETARCH" in \
      amd64) target=bun-linux-x64 ;; \
      arm64) target=bun-linux-arm64 ;; \
      *) echo "stackd builds for amd64 and arm64, not $TARGETARCH" >&2; exit 1 ;; \
    esac && \
    bun build --compile --minify --sourcemap --target="$target" src/main.ts --outfile /app/stackd

# distroless/cc has glibc and libstdc++, which the Bun runtime inside the executable needs.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /app/stackd /usr/local/bin/stackd
ENV HTTP_ADDR=:8081 \
    DB_PATH=/var/lib/stackd/stackd.db
VOLUME ["/var/lib/stackd"]
EXPOSE 8081
# Numeric, so that the kubelet can check runAsNonRoot; the same UID as deploy/deployment.yaml.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/stackd"]
