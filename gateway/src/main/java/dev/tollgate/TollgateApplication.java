package dev.tollgate;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

import dev.tollgate.auth.KeyHasher;

/**
 * Starts the gateway, or runs one of its commands: {@code hash-key <key>} prints the {@code sha256:<hex>} to put in
 * {@code routing-rules/} for a new gateway key.
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
        SpringApplication.run(TollgateApplication.class, args);
    }
}
