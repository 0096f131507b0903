package dev.tollgate.admin;

import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.tollgate.pricing.PriceTable;
import dev.tollgate.pricing.PriceTableLoader;
import dev.tollgate.pricing.QualityTable;
import dev.tollgate.pricing.QualityTableLoader;
import dev.tollgate.pricing.TableValidationException;
import dev.tollgate.routing.Replay;
import dev.tollgate.routing.ReplayCall;
import dev.tollgate.routing.ReplayReport;
import dev.tollgate.routing.RoutingRules;
import dev.tollgate.routing.RulesLoader;

/**
 * The {@code replay} command: re-runs the routing decision over past ledger calls with another rule set and prints
 * what it would have cost, per team (see {@link Replay}). Runs without a Spring context; returns the exit code
 * instead of exiting: 0 done, 1 a folder or the ledger cannot be read, 2 wrong arguments. Stateless, thread-safe.
 */
public final class ReplayCommand {

    /** The command's arguments, printed on a usage error. */
    public static final String USAGE = "usage: java -jar tollgate.jar replay --ledger <jdbc-url> [--user U --password P] "
            + "--rules <routing-rules folder> [--pricing <pricing folder, default pricing>] [--from YYYY-MM-DD] "
            + "[--to YYYY-MM-DD] [--format text|json]";

    private static final Set<String> OPTIONS = Set.of("--ledger", "--user", "--password", "--rules", "--pricing",
            "--from", "--to", "--format");

    private ReplayCommand() {
    }

    /**
     * Runs the command.
     *
     * @param args the arguments after {@code replay}
     * @param out  where the report goes
     * @param err  where problems go
     * @return the exit code
     */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("replay: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        ReplayReport report;
        try {
            PriceTable prices = PriceTableLoader.load(Path.of(options.pricing));
            QualityTable quality = QualityTableLoader.load(Path.of(options.pricing));
            RoutingRules rules = RulesLoader.load(Path.of(options.rules));
            List<ReplayCall> calls = LedgerCalls.read(options.ledger, options.user, options.password, options.from,
                    options.to);
            report = Replay.run(calls, Replay.tables(prices, quality, rules));
        } catch (TableValidationException e) {
            err.println(e.getMessage());
            return 1;
        } catch (SQLException e) {
            err.println("replay: cannot read the ledger: " + e.getMessage());
            return 1;
        }
        ReplayOutput.Source source = new ReplayOutput.Source(options.rules, options.pricing, options.from, options.to);
        out.print(options.json ? ReplayOutput.json(report, source) : ReplayOutput.text(report, source));
        out.flush();
        return 0;
    }

    /** The parsed arguments; {@link #parse} says what is wrong with bad ones. */
    private record Options(String ledger, String user, String password, String rules, String pricing,
            LocalDate from, LocalDate to, boolean json) {

        static Options parse(List<String> args) {
            Map<String, String> values = new HashMap<>();
            for (int i = 0; i < args.size(); i += 2) {
                String name = args.get(i);
                if (!OPTIONS.contains(name)) {
                    throw new IllegalArgumentException("unknown argument '" + name + "'; expected one of "
                            + "--ledger, --user, --password, --rules, --pricing, --from, --to, --format");
                }
                if (i + 1 >= args.size() || args.get(i + 1).isBlank() && !name.equals("--password")) {
                    throw new IllegalArgumentException(name + " needs a value, but none was given");
                }
                if (values.put(name, args.get(i + 1)) != null) {
                    throw new IllegalArgumentException(name + " must be given once, but was given twice");
                }
            }
            for (String required : List.of("--ledger", "--rules")) {
                if (!values.containsKey(required)) {
                    throw new IllegalArgumentException("missing " + required);
                }
            }
            if (values.containsKey("--user") != values.containsKey("--password")) {
                throw new IllegalArgumentException("--user and --password go together, but only "
                        + (values.containsKey("--user") ? "--user" : "--password") + " was given");
            }
            String format = values.getOrDefault("--format", "text");
            if (!format.equals("text") && !format.equals("json")) {
                throw new IllegalArgumentException("--format must be text or json, but was '" + format + "'");
            }
            LocalDate from = date(values, "--from");
            LocalDate to = date(values, "--to");
            if (from != null && to != null && from.isAfter(to)) {
                throw new IllegalArgumentException("--from must not be after --to, but was " + from + " > " + to);
            }
            return new Options(values.get("--ledger"), values.get("--user"), values.get("--password"),
                    values.get("--rules"), values.getOrDefault("--pricing", "pricing"), from, to,
                    format.equals("json"));
        }

        private static LocalDate date(Map<String, String> values, String name) {
            String text = values.get(name);
            if (text == null) {
                return null;
            }
            try {
                return LocalDate.parse(text);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(name + " must be a date like 2025-01-31, but was '" + text + "'");
            }
        }
    }
}
