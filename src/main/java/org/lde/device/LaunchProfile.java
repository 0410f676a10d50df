package org.lde.device;

import java.util.Map;

/**
 * Counters of one emulated launch (a profiler's view, measured by the emulator).
 *
 * @param kernel              the kernel name
 * @param threadInstructions  dynamic instructions executed, summed over threads
 * @param instructionsByOpcode dynamic thread-instructions per opcode (e.g. {@code fma.rn.f32})
 * @param flops               floating-point operations (fma counts 2)
 * @param globalBytesRequested bytes requested by global loads and stores, summed over active lanes
 * @param globalLoadSectors   32-byte sectors touched by global loads, counted per warp access
 * @param globalStoreSectors  32-byte sectors touched by global stores, counted per warp access
 * @param globalLoadBytes     bytes requested by global loads (for sector efficiency)
 * @param globalStoreBytes    bytes requested by global stores
 * @param sharedAccesses      shared-memory warp accesses
 * @param sharedBankConflicts extra shared-memory wavefronts caused by bank conflicts
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
}
