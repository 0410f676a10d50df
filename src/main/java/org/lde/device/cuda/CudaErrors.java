package org.lde.device.cuda;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import org.lde.device.DeviceException;
import org.lde.device.Dim3;

/**
 * The messages of {@link CudaDevice}'s errors, assembled without the driver (no {@code jcuda} import),
 * so that they are unit-tested on machines without a GPU: the launch shape every launch error names,
 * the launches an asynchronous error may belong to, the JIT compiler's log of a module that does not
 * load, hints for the driver errors users meet first, and the rule that cleanup never masks the error
 * that made it necessary.
 */
final class CudaErrors {

    /** Launches remembered between two synchronizations (the oldest are dropped and counted). */
    static final int REMEMBERED_LAUNCHES = 8;


    private CudaErrors() {
    }

    /** {@code kernel K of module M, grid (x,y,z), block (x,y,z), S bytes dynamic shared memory}. */
    static String launchShape(String kernel, String module, Dim3 grid, Dim3 block, int dynamicSharedBytes) {
        return "kernel " + kernel + " of module " + module + ", grid " + grid + ", block " + block + ", "
                + dynamicSharedBytes + " bytes dynamic shared memory";
    }

    /**
     * The message of a module that failed to load: the call, the driver's error (with a hint), and the
     * JIT compiler's error and information logs (each omitted when empty).
     */
    static String moduleLoadFailure(String call, String error, String errorLog, String infoLog) {
        StringBuilder sb = new StringBuilder(call).append(" failed: ").append(error).append(hint(error));
        if (!errorLog.isEmpty()) {
            sb.append("\nJIT error log:\n").append(errorLog);
        }
        if (!infoLog.isEmpty()) {
            sb.append("\nJIT info log:\n").append(infoLog);
        }
        if (errorLog.isEmpty() && infoLog.isEmpty()) {
            sb.append(" (the JIT compiler wrote no log)");
        }
        return sb.toString();
    }

    /** The text of a NUL-terminated log buffer the driver filled, trimmed. */
    static String logText(byte[] buffer) {
        if (buffer == null) {
            return "";
        }
        int len = 0;
        while (len < buffer.length && buffer[len] != 0) {
            len++;
        }
        return new String(buffer, 0, len, StandardCharsets.UTF_8).strip();
    }

    /** A short explanation of the driver errors users meet first, or the empty string. */
    static String hint(String error) {
        if (error == null) {
            return "";
        }
        if (error.contains("UNSUPPORTED_PTX_VERSION") || error.contains("INVALID_PTX")) {
            return " (the PTX declares ISA 8.0 for compute_75: it needs a CUDA 12.0 or newer driver and a Turing or newer GPU;"
                    + " regenerate it with ./build-kernels.sh)";
        }
        if (error.contains("NO_BINARY_FOR_GPU")) {
            return " (the PTX targets compute_75; this GPU is older than Turing)";
        }
        if (error.contains("STUB_LIBRARY")) {
            return " (the loaded libcuda.so.1 is the toolkit's stub, not the NVIDIA driver's library)";
        }
        if (error.contains("ILLEGAL_ADDRESS") || error.contains("LAUNCH_FAILED") || error.contains("ILLEGAL_INSTRUCTION")
                || error.contains("MISALIGNED_ADDRESS") || error.contains("ASSERT")) {
            return " (a kernel faulted; the CUDA context is unusable from now on: close the device and open a new one)";
        }
        return "";
    }

    /**
     * Fails with {@code primary} after running {@code cleanups}: a cleanup's own failure is added to
     * {@code primary} as suppressed, never thrown in its place (a faulted context makes every later
     * cuMemFree fail too, and that second error must not hide the first).
     */
    static RuntimeException failAfter(RuntimeException primary, List<Runnable> cleanups) {
        for (Runnable c : cleanups) {
            try {
                c.run();
            } catch (RuntimeException e) {
                primary.addSuppressed(e);
            }
        }
        return primary;
    }

    /**
     * The launches since the last synchronization, so that an asynchronous error (reported by a later
     * call: {@code cuCtxSynchronize}, a copy, {@code cuMemFree}) names the kernels it may belong to.
     */
    static final class Pending {
        private final Deque<String> launches = new ArrayDeque<>();
        private long dropped;

        void launched(String shape) {
            if (launches.size() == REMEMBERED_LAUNCHES) {
                launches.removeFirst();
                dropped++;
            }
            launches.addLast(shape);
        }

        /** Forgets the launches (after a successful synchronization). */
        void clear() {
            launches.clear();
            dropped = 0;
        }

        boolean isEmpty() {
            return launches.isEmpty();
        }

        /**
         * {@code "; it may come from any of the N launches since the last synchronization (most recent last): ...;
         * rerun with -Dlde.device.debug=true ..."} or the empty string when nothing was launched.
         */
        String suspects() {
            if (launches.isEmpty()) {
                return "";
            }
            long total = launches.size() + dropped;
            StringBuilder sb = new StringBuilder("; an asynchronous error of ")
                    .append(total == 1 ? "the launch" : "one of the " + total + " launches")
                    .append(" since the last synchronization");
            if (dropped > 0) {
                sb.append(" (the last ").append(launches.size()).append(" shown, most recent last)");
            } else if (total > 1) {
                sb.append(" (most recent last)");
            }
            sb.append(": ").append(String.join("; ", launches));
            sb.append(". Run with -D").append(CudaDevice.DEBUG_PROPERTY)
                    .append("=true to synchronize after every launch and name the kernel that failed");
            return sb.toString();
        }
    }

    /** A {@link DeviceException} for {@code message}, with {@code cause} when there is one. */
    static DeviceException error(String message, Throwable cause) {
        return cause == null ? new DeviceException(message) : new DeviceException(message, cause);
    }
}
