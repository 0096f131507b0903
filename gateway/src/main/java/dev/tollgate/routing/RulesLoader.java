package dev.tollgate.routing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.tollgate.auth.Principal;
import dev.tollgate.pricing.TableValidationException;
import dev.tollgate.pricing.YamlNode;

/**
 * Reads the routing-rules folder ({@code *.yaml}): teams, each with its gateway keys stored only as
 * {@code sha256:<hex>} hashes. Strict like the price loader: every problem is reported with file and line, and an
 * invalid folder is not used. Stateless, thread-safe.
 */
public final class RulesLoader {

    private static final Set<String> FILE_FIELDS = Set.of("teams");
    private static final Set<String> TEAM_FIELDS = Set.of("id", "display-name", "keys");
    private static final Set<String> KEY_FIELDS = Set.of("id", "hash", "app");
    private static final Pattern HASH = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

    private RulesLoader() {
    }

    public static RoutingRules load(Path folder) {
        List<String> problems = new ArrayList<>();
        Map<String, String> teams = new TreeMap<>();
        Map<String, Principal> keys = new HashMap<>();
        Map<String, String> keyIds = new HashMap<>();
        for (Path file : files(folder, problems)) {
            String name = file.getFileName().toString();
            YamlNode root = YamlNode.parse(file, name, problems);
            if (root == null) {
                continue;
            }
            YamlNode teamList = root.mapping(FILE_FIELDS).get("teams");
            if (teamList == null) {
                root.problem("missing required field 'teams'");
                continue;
            }
            for (YamlNode teamNode : teamList.sequence()) {
                Map<String, YamlNode> t = teamNode.mapping(TEAM_FIELDS);
                String team = id(teamNode, t, "team");
                if (team == null) {
                    continue;
                }
                String display = t.containsKey("display-name") ? t.get("display-name").string() : team;
                if (teams.putIfAbsent(team, display) != null) {
                    teamNode.problem("team '" + team + "' is defined twice");
                }
                if (!t.containsKey("keys")) {
                    continue;
                }
                for (YamlNode keyNode : t.get("keys").sequence()) {
                    Map<String, YamlNode> k = keyNode.mapping(KEY_FIELDS);
                    String keyId = id(keyNode, k, "key");
                    String hash = k.containsKey("hash") ? k.get("hash").string() : null;
                    if (hash == null && !k.containsKey("hash")) {
                        keyNode.problem("missing required field 'hash' (sha256:<hex>; make one with: "
                                + "java -jar gateway/target/tollgate.jar hash-key <key>)");
                    } else if (hash != null && !HASH.matcher(hash).matches()) {
                        k.get("hash").problem("hash must be sha256: followed by 64 lowercase hex digits (never the "
                                + "key itself)");
                        hash = null;
                    }
                    String app = k.containsKey("app") ? k.get("app").string() : null;
                    if (keyId == null || hash == null) {
                        continue;
                    }
                    String other = keyIds.putIfAbsent(keyId, team);
                    if (other != null) {
                        keyNode.problem("key id '" + keyId + "' is already used in team '" + other + "'");
                    }
                    if (keys.putIfAbsent(hash, new Principal(keyId, team, app)) != null) {
                        keyNode.problem("the same key hash is listed twice");
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new TableValidationException(problems);
        }
        return new RoutingRules(Collections.unmodifiableMap(teams), Map.copyOf(keys));
    }

    private static String id(YamlNode node, Map<String, YamlNode> fields, String what) {
        if (!fields.containsKey("id")) {
            node.problem("missing required field 'id' of the " + what);
            return null;
        }
        String id = fields.get("id").string();
        if (id != null && !ID.matcher(id).matches()) {
            fields.get("id").problem(what + " id must be lowercase letters, digits, '.', '_' or '-' (at most 63), "
                    + "but was '" + id + "'");
            return null;
        }
        return id;
    }

    /** The files this loader reads, sorted by name. */
    public static List<Path> files(Path folder, List<String> problems) {
        if (!Files.isDirectory(folder)) {
            problems.add(folder + ": the routing-rules folder does not exist (set tollgate.rules.location)");
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> {
                String n = p.getFileName().toString();
                return (n.endsWith(".yaml") || n.endsWith(".yml")) && !n.startsWith(".");
            }).sorted().toList();
        } catch (IOException e) {
            problems.add(folder + ": cannot list: " + e.getMessage());
            return List.of();
        }
    }

}
