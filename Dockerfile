# The Tollgate gateway image, for the Helm chart (helm/tollgate, docs/deploy.md). No image is published: build the
# jar, then this image, and push it to your registry:
#   ./mvnw -DskipTests package
#   docker build -t <your-registry>/tollgate/gateway:0.1.0 .
FROM eclipse-temurin:17-jre

# A fixed non-root user: the chart runs the container as 10001 (runAsNonRoot needs a numeric user).
RUN groupadd --system --gid 10001 tollgate \
 && useradd --system --uid 10001 --gid tollgate --no-create-home --shell /usr/sbin/nologin tollgate

WORKDIR /app
COPY gateway/target/tollgate.jar /app/tollgate.jar
# The shipped tables, so that `docker run` works on the defaults (paths relative to /app). The chart mounts its
# ConfigMaps elsewhere and points the gateway at them.
COPY pricing/*.yaml /app/pricing/
COPY routing-rules/*.yaml /app/routing-rules/
RUN mkdir /app/data && chown 10001:10001 /app/data

USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/tollgate.jar"]
