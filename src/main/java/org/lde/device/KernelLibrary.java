package org.lde.device;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The engine's PTX modules, loaded from the classpath resources that {@code build-kernels.sh}
 * writes ({@code kernels/gemm.cu} becomes the resource {@code /org/lde/kernels/gemm.ptx}, loaded
 * by {@code module("gemm")}), each loaded at most once on one {@link Device}.
 *
 * <p>Closing the library unloads the modules it loaded; the device stays open (the caller owns it).
 * Not meant for concurrent use from several threads without outside locking; methods are
 * synchronized so concurrent use is safe but serial.
 */
public final class KernelLibrary implements AutoCloseable {

    /** The classpath folder holding the generated PTX. */
    public static final String RESOURCE_FOLDER = "/org/lde/kernels/";

    private static final Pattern MODULE_NAME = Pattern.compile("[a-z][a-z0-9_]*");

    private final Device device;
    private final Map<String, Module> modules = new LinkedHashMap<>();
    private boolean closed;

    /** A library that loads modules on {@code device} (which it does not own). */
    public KernelLibrary(Device device) {
        this.device = Objects.requireNonNull(device, "device");
    }

    public Device device() {
        return device;
    }

    /**
     * The module {@code name} (e.g. {@code "gemm"}), loaded on first use.
     *
     * @throws IllegalArgumentException when the name is not a plain module name
     * @throws DeviceException          when the resource is missing or the device rejects the PTX
     */
    public synchronized Module module(String name) {
        requireOpen();
        Module m = modules.get(name);
        if (m == null) {
            m = device.loadModule(name + ".ptx", ptx(name));
            modules.put(name, m);
        }
        return m;
    }

    /** The kernel {@code kernelName} of module {@code moduleName}, e.g. {@code kernel("gemm", "sgemm_nn")}. */
    public synchronized Kernel kernel(String moduleName, String kernelName) {
        return module(moduleName).kernel(kernelName);
    }

    /**
     * The PTX text of the resource {@code /org/lde/kernels/<name>.ptx}.
     *
     * @throws IllegalArgumentException when {@code name} is not lowercase letters, digits and '_'
     * @throws DeviceException          when there is no such resource on the classpath
     */
    public static String ptx(String name) {
        Objects.requireNonNull(name, "name");
        if (!MODULE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("module name '" + name + "' must be lowercase letters, digits and '_'"
                    + " (the base name of a kernels/*.cu file, e.g. \"gemm\")");
        }
        String resource = RESOURCE_FOLDER + name + ".ptx";
        try (InputStream in = KernelLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new DeviceException("no PTX resource " + resource + " on the classpath: is there a kernels/" + name
                        + ".cu, and was ./build-kernels.sh run?");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DeviceException("cannot read PTX resource " + resource + ": " + e.getMessage(), e);
        }
    }

    /** Unloads every module this library loaded. Idempotent; the device stays open. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        for (Module m : modules.values()) {
            try {
                m.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        modules.clear();
        if (first != null) {
            throw first;
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this KernelLibrary has been closed");
        }
    }
}
