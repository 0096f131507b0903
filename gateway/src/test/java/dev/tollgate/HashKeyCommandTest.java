package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** {@code hash-key <key>} prints the hash to put in the routing rules, and starts nothing. */
class HashKeyCommandTest {

    @Test
    void hashKeyPrintsTheSha256OfTheKey() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            TollgateApplication.main(new String[] {"hash-key", "sk-tollgate-demo"});
        } finally {
            System.setOut(original);
        }

        assertThat(out.toString(StandardCharsets.UTF_8))
                .isEqualTo("sha256:179510ee3e248a7bfae1a518d344461ddef0e32bbf53b40845f2d3e157c5973f"
                        + System.lineSeparator());
    }
}
