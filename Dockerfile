# Production image: stackd compiled into one self-contained executable, run as a non-root user.
# Build: docker build -t stackd .    Run: see README ("Production image").
FROM oven/bun:1.4.5 AS build
WORKDIR /app
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile --production --ignore-scripts
COPY src ./src
COPY machines ./machines
COPY tsconfig.json ./
RUN bun build --compile --minify --sourcemap --target=bun-linux-x64 src/main.ts --outfile /app/stackd

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
