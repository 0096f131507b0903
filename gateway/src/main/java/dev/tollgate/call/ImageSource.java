package dev.tollgate.call;

import java.util.Objects;

/** Where an image's bytes are: inline (base64 with its media type) or at a URL. Immutable. */
public sealed interface ImageSource {

    /** Inline image: {@code data} is base64, {@code mediaType} e.g. {@code image/png}. */
    record Base64(String mediaType, String data) implements ImageSource {
        public Base64 {
            Objects.requireNonNull(mediaType, "mediaType");
            Objects.requireNonNull(data, "data");
        }
    }

    /** An http(s) URL the provider fetches. */
    record Url(String url) implements ImageSource {
        public Url {
            Objects.requireNonNull(url, "url");
        }
    }
}
