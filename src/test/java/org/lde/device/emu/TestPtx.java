package org.lde.device.emu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Loads the committed test PTX (built by src/test/cuda/build-test-ptx.sh). */
final class TestPtx {
    private TestPtx() {
    }

    static String resource(String name) {
        try (InputStream in = TestPtx.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name + " (run src/test/cuda/build-test-ptx.sh)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
