package org.lde.device;

import java.util.Map;

/**
 * Counters of one emulated launch (a profiler's view, measured by the emulator).
 *
 * @param kernel              the kernel name
 * @param threadInstructions  dynamic instructions executed, summed over threads (a lane whose guard
 *                            predicate is false does not execute the instruction and is not counted)
 * @param instructionsByOpcode dynamic thread-instructions per opcode (e.g. {@code fma.rn.f32})
 * @param flops               floating-point operations (fma counts 2)
 * @param globalBytesRequested bytes requested by global loads, stores and atomics/reductions, summed over the
 *                            executing lanes (predicated-off lanes do not count)
 * @param globalLoadSectors   32-byte sectors touched by global loads, counted per warp access
 * @param globalStoreSectors  32-byte sectors touched by global stores, counted per warp access
 * @param globalLoadBytes     bytes requested by global loads (for sector efficiency)
 * @param globalStoreBytes    bytes requested by global stores
 * @param sharedAccesses      shared-memory warp accesses
 * @param sharedBankConflicts extra shared-memory wavefronts caused by bank conflicts (32 banks of 4 bytes;
 *                            lanes reading the same word are a broadcast; 8-byte accesses are split into two
 *                            half-warp phases and 16-byte accesses into four quarter-warp phases, each phase
 *                            costing as many wavefronts as the most distinct words in one bank)
 */
public record LaunchProfile(String kernel, long threadInstructions, Map<String, Long> instructionsByOpcode, long flops,
                            long globalBytesRequested, long globalLoadSectors, long globalStoreSectors,
                            long globalLoadBytes, long globalStoreBytes, long sharedAccesses, long sharedBankConflicts) {

    /** Requested load bytes over bytes moved in whole sectors (1.0 = perfectly coalesced). */
    public double loadSectorEfficiency() {
        return globalLoadSectors == 0 ? 1.0 : globalLoadBytes / (32.0 * globalLoadSectors);
    }

    public double storeSectorEfficiency() {
        return globalStoreSectors == 0 ? 1.0 : globalStoreBytes / (32.0 * globalStoreSectors);
    }

    /**
     * A readable multi-line report: totals, global-memory sector efficiency, shared-memory bank
     * conflicts, and the opcode table sorted by count (descending, then by name).
     */
    public String format() {
        StringBuilder sb = new StringBuilder();
        java.util.Locale l = java.util.Locale.ROOT;
        sb.append(String.format(l, "kernel %s: %,d thread-instructions, %,d flops%n", kernel, threadInstructions, flops));
        sb.append(String.format(l, "global: %,d bytes requested; loads %,d B in %,d sectors (efficiency %.1f%%); "
                        + "stores %,d B in %,d sectors (efficiency %.1f%%)%n",
                globalBytesRequested, globalLoadBytes, globalLoadSectors, 100 * loadSectorEfficiency(),
                globalStoreBytes, globalStoreSectors, 100 * storeSectorEfficiency()));
        sb.append(String.format(l, "shared: %,d warp accesses, %,d bank conflicts (%.3f extra wavefronts per access)%n",
                sharedAccesses, sharedBankConflicts, sharedAccesses == 0 ? 0.0 : (double) sharedBankConflicts / sharedAccesses));
        java.util.List<Map.Entry<String, Long>> rows = new java.util.ArrayList<>(instructionsByOpcode.entrySet());
        rows.sort((a, b) -> a.getValue().equals(b.getValue()) ? a.getKey().compareTo(b.getKey()) : Long.compare(b.getValue(), a.getValue()));
        int w = 6;
        for (Map.Entry<String, Long> e : rows) {
            w = Math.max(w, e.getKey().length());
        }
        sb.append(String.format(l, "%-" + w + "s %16s %7s%n", "opcode", "count", "share"));
        for (Map.Entry<String, Long> e : rows) {
            double share = threadInstructions == 0 ? 0 : 100.0 * e.getValue() / threadInstructions;
            sb.append(String.format(l, "%-" + w + "s %,16d %6.1f%%%n", e.getKey(), e.getValue(), share));
        }
        return sb.toString();
    }
}
