package org.lde.device;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Finds out, without ever throwing, whether a CUDA GPU is usable from this JVM, and if not, why.
 *
 * <p>JCuda's {@code JCudaDriver} loads its native library in a static initializer; when
 * {@code libcuda.so.1} (the driver library that comes with the NVIDIA driver, not with the toolkit)
 * is absent, that initializer fails and the class stays unusable for the life of the JVM. So the
 * probe first looks for {@code libcuda.so.1} where the dynamic loader would: the
 * {@code /sbin/ldconfig -p} cache, {@code LD_LIBRARY_PATH}, {@code /usr/lib/x86_64-linux-gnu},
 * {@code /usr/lib64}, {@code /usr/lib} and WSL's {@code /usr/lib/wsl/lib}, never a toolkit
 * {@code stubs} directory (the stub library links but cannot run anything). Only when it finds one
 * does it ask the driver (inside {@code try/catch (Throwable)}) for the number of devices.
 *
 * <p>Every input is injectable so the decision logic can be tested without a GPU; {@link #system()}
 * gives the probe of this machine.
 */
public final class GpuProbe {

    /** The library the CUDA driver API lives in on Linux. */
    public static final String DRIVER_LIBRARY = "libcuda.so.1";

    /** Directories searched after the ldconfig cache and LD_LIBRARY_PATH, in this order. */
    public static final List<Path> STANDARD_DIRECTORIES = List.of(
            Path.of("/usr/lib/x86_64-linux-gnu"), Path.of("/usr/lib64"), Path.of("/usr/lib"), Path.of("/usr/lib/wsl/lib"));

    /**
     * The outcome of a probe.
     *
     * @param usable      whether a CUDA device can be opened
     * @param deviceCount the number of CUDA devices the driver reports (0 when not usable)
     * @param reason      when not usable, one sentence saying what is missing; when usable, what
     *                    was found (the driver library and the device count)
     */
    public record Result(boolean usable, int deviceCount, String reason) {
        public Result {
            Objects.requireNonNull(reason, "reason");
            if (usable && deviceCount <= 0) {
                throw new IllegalArgumentException("a usable result needs at least one device, got " + deviceCount);
            }
        }
    }

    /** Asks the CUDA driver for its device count; only called once {@code libcuda.so.1} was found. */
    @FunctionalInterface
    public interface DriverQuery {
        int deviceCount() throws Exception;
    }

    private final Supplier<Optional<String>> ldconfigOutput;
    private final Map<String, String> environment;
    private final List<Path> standardDirectories;
    private final DriverQuery driver;

    /**
     * @param ldconfigOutput      the text of {@code ldconfig -p}, or empty where it cannot be run
     * @param environment         environment variables (only {@code LD_LIBRARY_PATH} is read)
     * @param standardDirectories directories searched after the cache and LD_LIBRARY_PATH
     * @param driver              the driver query, called only when the library was found
     */
    public GpuProbe(Supplier<Optional<String>> ldconfigOutput, Map<String, String> environment,
                    List<Path> standardDirectories, DriverQuery driver) {
        this.ldconfigOutput = Objects.requireNonNull(ldconfigOutput, "ldconfigOutput");
        this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
        this.standardDirectories = List.copyOf(Objects.requireNonNull(standardDirectories, "standardDirectories"));
        this.driver = Objects.requireNonNull(driver, "driver");
    }

    /** The probe of this machine: the real ldconfig, environment, directories and CUDA driver. */
    public static GpuProbe system() {
        return new GpuProbe(GpuProbe::runLdconfig, System.getenv(), STANDARD_DIRECTORIES,
                org.lde.device.cuda.CudaDevice::deviceCount);
    }

    /** Runs the probe; never throws. */
    public Result probe() {
        try {
            Optional<Path> library = findDriverLibrary();
            if (library.isEmpty()) {
                return new Result(false, 0, "no CUDA driver: " + DRIVER_LIBRARY + " was not found in the ldconfig cache, "
                        + "LD_LIBRARY_PATH or " + joined(standardDirectories) + " (install the NVIDIA driver)");
            }
            int count;
            try {
                count = driver.deviceCount();
            } catch (Throwable t) {   // includes UnsatisfiedLinkError, NoClassDefFoundError from JCuda
                return new Result(false, 0, DRIVER_LIBRARY + " found at " + library.get()
                        + " but the CUDA driver could not be initialised: " + describe(t));
            }
            if (count <= 0) {
                return new Result(false, 0, DRIVER_LIBRARY + " found at " + library.get() + " but the driver reports no CUDA device");
            }
            return new Result(true, count, count + " CUDA device(s) through " + library.get());
        } catch (Throwable t) {
            return new Result(false, 0, "the GPU probe failed unexpectedly: " + describe(t));
        }
    }

    /**
     * The first {@code libcuda.so.1} in loader order that is a regular file outside a {@code stubs}
     * directory: ldconfig cache entries for this JVM's architecture, then LD_LIBRARY_PATH, then the
     * standard directories.
     */
    public Optional<Path> findDriverLibrary() {
        Set<Path> candidates = new LinkedHashSet<>();
        ldconfigOutput.get().ifPresent(text -> candidates.addAll(parseLdconfig(text, System.getProperty("os.arch", ""))));
        String ldPath = environment.getOrDefault("LD_LIBRARY_PATH", "");
        for (String dir : ldPath.split(":")) {
            if (!dir.isBlank()) {
                candidates.add(Path.of(dir.trim()).resolve(DRIVER_LIBRARY));
            }
        }
        for (Path dir : standardDirectories) {
            candidates.add(dir.resolve(DRIVER_LIBRARY));
        }
        for (Path p : candidates) {
            if (!isStub(p) && Files.isRegularFile(p)) {   // follows symlinks, as the loader does
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * The {@code libcuda.so.1} paths listed in {@code ldconfig -p} output, e.g.
     * {@code "\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1"}; entries
     * for another word size than {@code osArch}'s (e.g. 32-bit {@code libc6} on amd64) are left out.
     */
    static List<Path> parseLdconfig(String text, String osArch) {
        List<Path> out = new ArrayList<>();
        String wanted = switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "x86-64";
            case "aarch64", "arm64" -> "AArch64";
            default -> "";
        };
        for (String line : text.split("\n")) {
            String t = line.trim();
            int arrow = t.indexOf("=>");
            if (!t.startsWith(DRIVER_LIBRARY + " ") || arrow < 0) {
                continue;
            }
            String tags = t.substring(DRIVER_LIBRARY.length(), arrow);
            if (!wanted.isEmpty() && !tags.contains(wanted)) {
                continue;
            }
            out.add(Path.of(t.substring(arrow + 2).trim()));
        }
        return out;
    }

    static boolean isStub(Path p) {
        for (Path part : p) {
            if (part.toString().equals("stubs")) {
                return true;
            }
        }
        return false;
    }

    private static Optional<String> runLdconfig() {
        Path ldconfig = Path.of("/sbin/ldconfig");
        if (!Files.isExecutable(ldconfig)) {
            return Optional.empty();
        }
        try {
            Process p = new ProcessBuilder(ldconfig.toString(), "-p").redirectErrorStream(true).start();
            StringBuilder sb = new StringBuilder();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    sb.append(line).append('\n');
                }
            }
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            return p.exitValue() == 0 ? Optional.of(sb.toString()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static String joined(List<Path> dirs) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < dirs.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(dirs.get(i));
        }
        return sb.toString();
    }

    private static String describe(Throwable t) {
        String msg = t.getMessage();
        return t.getClass().getSimpleName() + (msg == null || msg.isBlank() ? "" : ": " + msg.lines().findFirst().orElse(""));
    }
}
