package org.lde.device.emu;

/**
 * Seeded random scheduling of one launch (the emulator's harsh mode). With a seed, the blocks run in a
 * random order, the warps of a block are interleaved in random slices of instructions, the lanes of a
 * divergent warp run their paths in a random order (not the smallest program counter first), atomics of
 * one warp instruction apply in a random lane order, and approximate instructions are perturbed within
 * their stated bounds ({@link FloatArith}). Without a seed (the default) everything is deterministic.
 *
 * <p>The system property {@value #PROPERTY} selects it for every emulated device of the JVM:
 * unset, {@code ""}, {@code deterministic} or {@code off}: the deterministic order; {@code random}: a
 * seed drawn once per JVM; a number (decimal or {@code 0x} hex): that seed. Each launch derives its own
 * stream from the seed and the launch's number on its device, and every sanitizer report names both,
 * so rerunning the same test with {@code -Dlde.emu.schedule=SEED} replays the failing order.
 */
final class Schedule {
    static final String PROPERTY = "lde.emu.schedule";
    private static final long JVM_RANDOM = System.nanoTime() ^ 0x5DEECE66DL * Runtime.getRuntime().hashCode();

    final long seed;
    final long launch;
    private long state;

    Schedule(long seed, long launch) {
        this.seed = seed;
        this.launch = launch;
        this.state = mix(seed ^ mix(launch + 0x9E3779B97F4A7C15L));
    }

    /** The seed the property selects, or null for the deterministic order. */
    static Long fromProperty() {
        return parse(System.getProperty(PROPERTY));
    }

    static Long parse(String v) {
        if (v == null) {
            return null;
        }
        String s = v.trim();
        if (s.isEmpty() || s.equals("deterministic") || s.equals("off")) {
            return null;
        }
        if (s.equals("random")) {
            return mix(JVM_RANDOM) & Long.MAX_VALUE;
        }
        try {
            return s.startsWith("0x") || s.startsWith("0X") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("system property " + PROPERTY + "='" + v
                    + "': expected deterministic, random or a number (the seed)");
        }
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    long next() {
        state += 0x9E3779B97F4A7C15L;
        return mix(state);
    }

    /** Uniform in [0, bound). */
    int nextInt(int bound) {
        return (int) ((next() >>> 33) % bound);
    }

    /** What a report says so that the failure can be replayed. */
    String describe() {
        return "schedule seed " + seed + ", launch #" + launch + " of the device; replay with -D" + PROPERTY + "=" + seed;
    }
}
