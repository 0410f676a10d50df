package org.lde.engine.fast;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * Loads OpenBLAS (the native libraries inside the {@code org.bytedeco:openblas} Maven artifact,
 * unpacked by JavaCPP into its cache on first use), once per JVM, and reports whether that worked.
 * On a platform whose natives are not bundled (the build bundles linux-x86_64) the fast backend
 * falls back to its Java GEMM ({@link GemmF32}); nothing here throws.
 */
final class NativeBlas {
    private NativeBlas() {
    }

    /** The outcome of the one load attempt: usable, and otherwise why not. */
    record Status(boolean usable, String reason) {
    }

    private static final class Holder {
        static final Status STATUS = load();

        private static Status load() {
            if (Boolean.getBoolean("lde.fast.javaGemm")) {
                return new Status(false, "disabled by -Dlde.fast.javaGemm=true");
            }
            try {
                Loader.load(openblas_nolapack.class);
                // the backends split products themselves (GemmF32.parts): OpenBLAS runs in the caller's thread
                openblas_nolapack.blas_set_num_threads(1);
                return new Status(true, "OpenBLAS (org.bytedeco:openblas)");
            } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError, ExceptionInInitializerError
                return new Status(false, "OpenBLAS not loadable here (" + t + ")");
            }
        }
    }

    /** Loads OpenBLAS on the first call; never throws. */
    static Status status() {
        return Holder.STATUS;
    }
}
