package dev.tollgate.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KeyHasherTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "sk-tollgate-demo, sha256:179510ee3e248a7bfae1a518d344461ddef0e32bbf53b40845f2d3e157c5973f",
            // FIPS 180-2 test vector "abc"
            "abc, sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "'', sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    })
    void hashIsSha256OfTheKeyInLowercaseHex(String key, String expected) {
        assertThat(KeyHasher.hash(key)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"sk-tollgate-demo", "sk-tollgate-ü-non-ascii"})
    void hashIsTheSameOnEveryCall(String key) {
        assertThat(KeyHasher.hash(key)).isEqualTo(KeyHasher.hash(key)).matches("sha256:[0-9a-f]{64}");
    }
}
