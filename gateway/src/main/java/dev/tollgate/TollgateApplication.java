package dev.tollgate;

import java.util.Arrays;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

import dev.tollgate.admin.ReplayCommand;
import dev.tollgate.auth.KeyHasher;

/**
 * Starts the gateway, or runs one of its commands: {@code hash-key <key>} prints the {@code sha256:<hex>} to put in
 * {@code routing-rules/} for a new gateway key; {@code replay --ledger <jdbc-url> --rules <folder> ...} reports what
 * another rule set would have cost over past ledger calls (docs/routing.md, "Replay"). Neither starts Spring.
 */
@SpringBootApplication
public class TollgateApplication {

    public static void main(String[] args) {
        if (args.length > 0 && "hash-key".equals(args[0])) {
            if (args.length != 2 || args[1].isBlank()) {
                System.err.println("usage: java -jar tollgate.jar hash-key <key>");
                System.exit(2);
            }
            System.out.println(KeyHasher.hash(args[1]));
            return;
        }
        if (args.length > 0 && "replay".equals(args[0])) {
            int code = ReplayCommand.run(Arrays.asList(args).subList(1, args.length), System.out, System.err);
            if (code != 0) {
                System.exit(code);
            }
            return;
        }
        SpringApplication.run(TollgateApplication.class, args);
    }
}
