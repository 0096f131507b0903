package dev.tollgate.helm;

import static dev.tollgate.helm.Manifests.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;

/**
 * The Helm chart (helm/tollgate) linted and rendered through helm-java, which runs Helm in-process: the default
 * values (one replica on the embedded H2 ledger and in-memory budgets) and ci/production-values.yaml (replicas on
 * PostgreSQL and Redis). The dashboards and alert rules of the chart are checked against whatever files are in
 * dashboards/ and rules/; when there is no rules file yet, the production render uses a copy of the chart with a
 * stub one.
 */
class HelmChartTest {

    private static final String RELEASE = "tg";
    private static final String FULLNAME = "tg-tollgate";

    private static Path root;
    private static Path chart;
    private static Manifests defaults;
    private static Manifests production;
    /** The chart the production values are rendered from: the real one, or a copy with a stub rules file. */
    private static Path productionChart;

    @BeforeAll
    static void render(@TempDir Path temp) throws IOException {
        root = Manifests.repositoryRoot();
        chart = root.resolve("helm/tollgate");
        productionChart = chart;
        if (!Files.isRegularFile(chart.resolve("rules/tollgate-alerts.yaml"))) {
            productionChart = temp.resolve("tollgate");
            Manifests.copyFollowingLinks(chart, productionChart);
            Files.createDirectories(productionChart.resolve("rules"));
            Files.writeString(productionChart.resolve("rules/tollgate-alerts.yaml"), """
                    groups:
                      - name: stub
                        rules:
                          - alert: StubAlert
                            expr: vector(1)
                    """);
        }
        defaults = Manifests.parse(template(chart, t -> t));
        production = Manifests.parse(template(productionChart,
                t -> t.withValuesFile(chart.resolve("ci/production-values.yaml"))));
    }

    private static String template(Path chartDir, UnaryOperator<TemplateCommand> values) {
        return values.apply(new Helm(chartDir).template().withName(RELEASE).withNamespace("tollgate")).call();
    }

    private static String templateDefaults(UnaryOperator<TemplateCommand> values) {
        return template(chart, values);
    }

    @Test
    void lintPasses() {
        LintResult result = new Helm(chart).lint().call();
        assertThat(result.isFailed()).as("lint messages: %s", result.getMessages()).isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    }

    @Test
    void defaultValuesRenderOneReplicaOnTheEmbeddedDefaults() {
        assertThat(defaults.names()).contains("ServiceAccount/" + FULLNAME, "Service/" + FULLNAME,
                "Deployment/" + FULLNAME, "ConfigMap/" + FULLNAME + "-pricing",
                "ConfigMap/" + FULLNAME + "-routing-rules", "PersistentVolumeClaim/" + FULLNAME + "-data");
        assertThat(defaults.ofKind("HorizontalPodAutoscaler")).isEmpty();
        assertThat(defaults.ofKind("PodDisruptionBudget")).as("a PDB would block drains of a single replica").isEmpty();
        assertThat(defaults.ofKind("NetworkPolicy")).isEmpty();
        assertThat(defaults.ofKind("ServiceMonitor")).isEmpty();
        assertThat(defaults.ofKind("PrometheusRule")).isEmpty();

        Map<String, Object> deployment = defaults.one("Deployment");
        assertThat((Integer) at(deployment, "spec", "replicas")).isEqualTo(1);
        assertThat((String) at(deployment, "spec", "strategy", "type"))
                .as("the H2 file on a ReadWriteOnce claim is held by one pod at a time").isEqualTo("Recreate");
        assertThat((String) at(defaults.env("SPRING_DATASOURCE_URL"), "value"))
                .startsWith("jdbc:h2:file:/var/lib/tollgate/");
        assertThat(defaults.envList()).extracting(e -> e.get("name"))
                .doesNotContain("TOLLGATE_BUDGETS_STORE", "SPRING_DATASOURCE_PASSWORD");
        assertThat((String) at(defaults.env("TOLLGATE_LEDGER_SPILLFILE"), "value")).startsWith("/var/lib/tollgate/");
        assertThat((String) at(defaults.one("Deployment"), "spec", "template", "spec", "containers", 0, "image"))
                .isEqualTo("tollgate/gateway:" + appVersion());
    }

    @Test
    void probesUseTheActuatorHealthGroups() {
        for (Manifests m : List.of(defaults, production)) {
            Map<String, Object> gateway = m.gateway();
            assertThat((String) at(gateway, "livenessProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
            assertThat((String) at(gateway, "readinessProbe", "httpGet", "path")).isEqualTo("/actuator/health/readiness");
            assertThat((String) at(gateway, "startupProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
            int startupSeconds = (Integer) at(gateway, "startupProbe", "initialDelaySeconds")
                    + (Integer) at(gateway, "startupProbe", "periodSeconds")
                            * (Integer) at(gateway, "startupProbe", "failureThreshold");
            assertThat(startupSeconds).as("the JVM needs about 15 s on 2 cores, more on a small CPU request")
                    .isGreaterThanOrEqualTo(60);
        }
    }

    @Test
    void runsAsNonRootOnAReadOnlyRootWithoutCapabilities() {
        for (Manifests m : List.of(defaults, production)) {
            Map<String, Object> pod = at(m.one("Deployment"), "spec", "template", "spec");
            Map<String, Object> gateway = m.gateway();
            assertThat((Boolean) at(pod, "securityContext", "runAsNonRoot")).isTrue();
            assertThat((Boolean) at(gateway, "securityContext", "runAsNonRoot")).isTrue();
            assertThat((Integer) at(gateway, "securityContext", "runAsUser")).isPositive();
            assertThat((Boolean) at(gateway, "securityContext", "readOnlyRootFilesystem")).isTrue();
            assertThat((Boolean) at(gateway, "securityContext", "allowPrivilegeEscalation")).isFalse();
            assertThat((List<String>) at(gateway, "securityContext", "capabilities", "drop")).containsExactly("ALL");
            assertThat((Boolean) at(pod, "automountServiceAccountToken")).isFalse();
            assertThat((String) at(m.one("ServiceAccount"), "metadata", "name"))
                    .isEqualTo(at(pod, "serviceAccountName"));
        }
    }

    @Test
    void onlyTmpAndTheDataFolderAreWritable() {
        for (Manifests m : List.of(defaults, production)) {
            List<Map<String, Object>> mounts = at(m.gateway(), "volumeMounts");
            assertThat(mounts).filteredOn(v -> !Boolean.TRUE.equals(v.get("readOnly")))
                    .extracting(v -> v.get("mountPath")).containsExactlyInAnyOrder("/tmp", "/var/lib/tollgate");
            Map<String, Map<String, Object>> volumes = volumes(m);
            assertThat(volumes.get("tmp")).containsKey("emptyDir");
            assertThat(volumes.get("pricing")).containsKey("configMap");
            assertThat(volumes.get("routing-rules")).containsKey("configMap");
            assertThat((String) at(m.env("TOLLGATE_PRICING_LOCATION"), "value")).isEqualTo(mountOf(m, "pricing"));
            assertThat((String) at(m.env("TOLLGATE_RULES_LOCATION"), "value")).isEqualTo(mountOf(m, "routing-rules"));
            assertThat(mounts).noneMatch(v -> v.containsKey("subPath"));
        }
        assertThat(volumes(defaults).get("data")).containsKey("persistentVolumeClaim");
        assertThat(volumes(production).get("data")).as("with PostgreSQL the data folder holds only the spill file")
                .containsKey("emptyDir");
    }

    @Test
    void jvmHeapIsSizedFromTheContainerMemoryLimit() {
        for (Manifests m : List.of(defaults, production)) {
            assertThat((String) at(m.env("JAVA_TOOL_OPTIONS"), "value")).contains("-XX:MaxRAMPercentage=")
                    .contains("-XX:+ExitOnOutOfMemoryError");
            assertThat((String) at(m.gateway(), "resources", "limits", "memory")).isNotBlank();
        }
        assertThat((String) at(production.env("JAVA_TOOL_OPTIONS"), "value")).contains("-XX:MaxRAMPercentage=75");
    }

    @Test
    void terminationGracePeriodCoversPreStopInFlightCallsAndLedgerDrain() {
        for (Manifests m : List.of(defaults, production)) {
            Map<String, Object> pod = at(m.one("Deployment"), "spec", "template", "spec");
            long shutdownPhase = seconds(at(m.env("SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE"), "value"));
            long drain = seconds(at(m.env("TOLLGATE_LEDGER_DRAINTIMEOUT"), "value"));
            long preStop = preStopSeconds(m.gateway());
            assertThat(drain).isEqualTo(30);
            assertThat(((Integer) at(pod, "terminationGracePeriodSeconds")).longValue())
                    .isGreaterThan(preStop + shutdownPhase + drain);
        }
        assertThatThrownBy(() -> templateDefaults(t -> t.set("gracefulShutdown.terminationGracePeriodSeconds", 60)))
                .hasMessageContaining("terminationGracePeriodSeconds (60) must be at least")
                .hasMessageContaining("= 75");
    }

    @Test
    void pricingConfigMapHoldsTheRepositoryTables() {
        Map<String, String> expected = filesByName(root.resolve("pricing"), "*.yaml");
        assertThat(expected).containsKeys("openai.yaml", "quality.yaml");
        for (Manifests m : List.of(defaults, production)) {
            assertThat(data(m.named("ConfigMap", FULLNAME + "-pricing"))).isEqualTo(expected);
        }
    }

    @Test
    void routingRulesConfigMapHoldsTheProductionRulesNotTheDemo() {
        Map<String, String> expected = filesByName(root.resolve("routing-rules"), "*.yaml");
        assertThat(data(defaults.named("ConfigMap", FULLNAME + "-routing-rules"))).isEqualTo(expected);
        assertThat(expected.get("teams.yaml")).isNotEqualTo(Manifests.read(root.resolve("routing-rules/demo/teams.yaml")));

        // production: the inline teams.yaml replaces the shipped one, the shipped aliases stay
        Map<String, String> rules = data(production.named("ConfigMap", FULLNAME + "-routing-rules"));
        assertThat(rules.get("aliases.yaml")).isEqualTo(expected.get("aliases.yaml"));
        assertThat(rules.get("teams.yaml")).contains("id: platform").isNotEqualTo(expected.get("teams.yaml"));
    }

    @Test
    void packagedChartCarriesTheTablesThemselves(@TempDir Path out) throws IOException {
        new Helm(chart).packageIt().withDestination(out).call();
        Path archive;
        try (var archives = Files.list(out)) {
            archive = archives.filter(p -> p.toString().endsWith(".tgz")).findFirst().orElseThrow();
        }
        Manifests packaged = Manifests.parse(template(archive, t -> t));
        assertThat(data(packaged.named("ConfigMap", FULLNAME + "-pricing")))
                .isEqualTo(filesByName(root.resolve("pricing"), "*.yaml"));
        assertThat(data(packaged.named("ConfigMap", FULLNAME + "-routing-rules")))
                .isEqualTo(filesByName(root.resolve("routing-rules"), "*.yaml"));
    }

    @Test
    void existingConfigMapsReplaceTheChartsOwn() {
        Manifests m = Manifests.parse(templateDefaults(t -> t.set("pricing.existingConfigMap", "our-prices")
                .set("routingRules.existingConfigMap", "our-rules")));
        assertThat(m.names()).doesNotContain("ConfigMap/" + FULLNAME + "-pricing", "ConfigMap/" + FULLNAME + "-routing-rules");
        assertThat((String) at(volumes(m).get("pricing"), "configMap", "name")).isEqualTo("our-prices");
        assertThat((String) at(volumes(m).get("routing-rules"), "configMap", "name")).isEqualTo("our-rules");
    }

    @Test
    void productionReadsEverySecretFromSecretsAndPutsNoneInTheManifest() {
        assertThat((String) at(production.env("SPRING_DATASOURCE_URL"), "value"))
                .isEqualTo("jdbc:postgresql://postgres.db.svc.cluster.local:5432/tollgate?sslmode=require");
        assertThat((String) at(production.env("SPRING_DATASOURCE_USERNAME"), "value")).isEqualTo("tollgate");
        assertSecretRef("SPRING_DATASOURCE_PASSWORD", "tollgate-postgresql", "password");
        assertSecretRef("TOLLGATE_ADMIN_KEYHASH", "tollgate-admin", "admin-key-hash");
        assertSecretRef("TOLLGATE_REDIS_PASSWORD", "tollgate-redis", "redis-password");
        for (String provider : List.of("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "DEEPSEEK_API_KEY", "GEMINI_API_KEY")) {
            assertSecretRef(provider, "tollgate-provider-keys", provider);
            assertThat((Boolean) at(production.env(provider), "valueFrom", "secretKeyRef", "optional")).isTrue();
        }
        assertThat((String) at(production.env("TOLLGATE_BUDGETS_STORE"), "value")).isEqualTo("redis");
        assertThat((String) at(production.env("TOLLGATE_BUDGETS_REDIS_URL"), "value"))
                .isEqualTo("redis://:$(TOLLGATE_REDIS_PASSWORD)@redis-master.cache.svc.cluster.local:6379/0");
        assertThat(production.envList()).filteredOn(e -> ((String) e.get("name")).matches(".*(KEY|PASSWORD|SECRET|TOKEN).*"))
                .allSatisfy(e -> assertThat(e).doesNotContainKey("value").containsKey("valueFrom"));
        assertThat(production.ofKind("Secret")).as("the chart never creates a Secret").isEmpty();
    }

    @Test
    void productionScalesWithAutoscalerDisruptionBudgetAndRollingUpdates() {
        Map<String, Object> deployment = production.one("Deployment");
        assertThat((Map<String, Object>) at(deployment, "spec")).doesNotContainKey("replicas");
        assertThat((String) at(deployment, "spec", "strategy", "type")).isEqualTo("RollingUpdate");
        assertThat((Integer) at(deployment, "spec", "strategy", "rollingUpdate", "maxUnavailable")).isZero();
        Map<String, Object> hpa = production.one("HorizontalPodAutoscaler");
        assertThat((Integer) at(hpa, "spec", "minReplicas")).isEqualTo(3);
        assertThat((String) at(hpa, "spec", "scaleTargetRef", "name")).isEqualTo(FULLNAME);
        assertThat((Integer) at(production.one("PodDisruptionBudget"), "spec", "maxUnavailable")).isEqualTo(1);
        Map<String, Object> policy = production.one("NetworkPolicy");
        assertThat((List<String>) at(policy, "spec", "policyTypes")).containsExactly("Ingress", "Egress");
        Map<String, Object> monitor = production.one("ServiceMonitor");
        assertThat((String) at(monitor, "spec", "endpoints", 0, "path")).isEqualTo("/actuator/prometheus");
        assertThat((String) at(monitor, "metadata", "labels", "release")).isEqualTo("kube-prometheus-stack");
    }

    @Test
    void moreThanOneReplicaIsRefusedWithoutPostgresqlAndRedis() {
        assertThatThrownBy(() -> templateDefaults(t -> t.set("replicaCount", 2)))
                .hasMessageContaining("more than one replica (replicaCount=2, autoscaling.enabled=false) needs both PostgreSQL")
                .hasMessageContaining("postgresql is not configured and redis is not configured");
        assertThatThrownBy(() -> templateDefaults(t -> t.set("autoscaling.enabled", true)))
                .hasMessageContaining("autoscaling.enabled=true) needs both PostgreSQL");
        assertThatThrownBy(() -> templateDefaults(t -> t.set("replicaCount", 2)
                .set("postgresql.host", "pg").set("postgresql.existingSecret", "pg")))
                .hasMessageContaining("postgresql is configured and redis is not configured");
        assertThatThrownBy(() -> templateDefaults(t -> t.set("replicaCount", 2).set("redis.url", "redis://redis:6379")))
                .hasMessageContaining("postgresql is not configured and redis is configured");

        Manifests both = Manifests.parse(templateDefaults(t -> t.set("replicaCount", 2).set("postgresql.host", "pg")
                .set("postgresql.existingSecret", "pg").set("redis.url", "redis://redis:6379")));
        assertThat((Integer) at(both.one("Deployment"), "spec", "replicas")).isEqualTo(2);
        assertThat(both.ofKind("PodDisruptionBudget")).hasSize(1);
        assertThat(both.ofKind("PersistentVolumeClaim")).isEmpty();
    }

    @Test
    void schemaRejectsWrongTypes() {
        assertThatThrownBy(() -> templateDefaults(t -> t.set("replicaCount", "three")))
                .hasMessageContaining("replicaCount").hasMessageContaining("Invalid type");
        assertThatThrownBy(() -> templateDefaults(t -> t.set("persistence.enabled", "maybe")))
                .hasMessageContaining("persistence.enabled");
        assertThatThrownBy(() -> templateDefaults(t -> t.set("redis.failurePolicy", "sometimes")))
                .hasMessageContaining("redis.failurePolicy");
        assertThatThrownBy(() -> templateDefaults(t -> t.set("postgresql.hostname", "pg")))
                .as("a misspelt key is an error, not silently ignored").hasMessageContaining("hostname");
    }

    @Test
    void oneDashboardConfigMapPerDashboardFileLabelledForTheGrafanaSidecar() {
        List<Path> files = Manifests.files(chart.resolve("dashboards"), "*.json");
        for (Manifests m : List.of(defaults, production)) {
            List<Map<String, Object>> dashboards = m.ofKind("ConfigMap").stream()
                    .filter(c -> "1".equals(at(c, "metadata", "labels", "grafana_dashboard"))).toList();
            assertThat(dashboards).hasSize(files.size());
            for (Path file : files) {
                String name = file.getFileName().toString();
                Map<String, Object> configMap = m.named("ConfigMap",
                        FULLNAME + "-dashboard-" + name.replace(".json", "").toLowerCase().replace('_', '-'));
                assertThat(data(configMap)).containsExactly(Map.entry(name, Manifests.read(file)));
            }
        }
        if (!files.isEmpty()) {
            Map<String, Object> any = production.ofKind("ConfigMap").stream()
                    .filter(c -> at(c, "metadata", "labels", "grafana_dashboard") != null).findFirst().orElseThrow();
            assertThat((String) at(any, "metadata", "annotations", "grafana_folder")).isEqualTo("Tollgate");
        }
    }

    @Test
    void prometheusRuleHoldsTheGroupsOfTheRulesFile() {
        Map<String, Object> file = new Yaml().load(Manifests.read(productionChart.resolve("rules/tollgate-alerts.yaml")));
        Map<String, Object> rule = production.one("PrometheusRule");
        assertThat((Object) at(rule, "spec", "groups")).isEqualTo(file.get("groups")).isNotNull();
        assertThat((String) at(rule, "metadata", "labels", "release")).isEqualTo("kube-prometheus-stack");
    }

    private static void assertSecretRef(String env, String secret, String key) {
        Map<String, Object> variable = production.env(env);
        assertThat(variable).doesNotContainKey("value");
        assertThat((String) at(variable, "valueFrom", "secretKeyRef", "name")).isEqualTo(secret);
        assertThat((String) at(variable, "valueFrom", "secretKeyRef", "key")).isEqualTo(key);
    }

    private static Map<String, Map<String, Object>> volumes(Manifests m) {
        List<Map<String, Object>> volumes = at(m.one("Deployment"), "spec", "template", "spec", "volumes");
        Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
        volumes.forEach(v -> byName.put((String) v.get("name"), v));
        return byName;
    }

    private static String mountOf(Manifests m, String volume) {
        List<Map<String, Object>> mounts = at(m.gateway(), "volumeMounts");
        return mounts.stream().filter(v -> volume.equals(v.get("name"))).map(v -> (String) v.get("mountPath"))
                .findFirst().orElseThrow();
    }

    private static Map<String, String> data(Map<String, Object> configMap) {
        return at(configMap, "data");
    }

    private static Map<String, String> filesByName(Path folder, String glob) {
        Map<String, String> files = new LinkedHashMap<>();
        Manifests.files(folder, glob).forEach(f -> files.put(f.getFileName().toString(), Manifests.read(f)));
        return files;
    }

    /** "30s" -> 30. */
    private static long seconds(String duration) {
        return Duration.parse("PT" + duration.toUpperCase()).toSeconds();
    }

    /** The preStop sleep, as the native sleep action (Kubernetes 1.30+) or an exec of sleep (older clusters). */
    private static long preStopSeconds(Map<String, Object> gateway) {
        Integer sleep = at(gateway, "lifecycle", "preStop", "sleep", "seconds");
        if (sleep != null) {
            return sleep;
        }
        List<String> command = at(gateway, "lifecycle", "preStop", "exec", "command");
        assertThat(command).hasSize(2).first().isEqualTo("sleep");
        return Long.parseLong(command.get(1));
    }

    private static String appVersion() {
        Map<String, Object> chartYaml = new Yaml().load(Manifests.read(chart.resolve("Chart.yaml")));
        return String.valueOf(chartYaml.get("appVersion"));
    }
}
