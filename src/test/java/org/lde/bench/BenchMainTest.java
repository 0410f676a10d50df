package org.lde.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Without a GPU the benchmark launcher leaves out exactly the cuda values, class by class. */
class BenchMainTest {

    private static Map<String, Map<String, String[]>> benchmarks() {
        Map<String, Map<String, String[]>> m = new LinkedHashMap<>();
        m.put("Gemm", Map.of("device", new String[] {"emulator", "cuda"}, "n", new String[] {"64", "129"}));
        m.put("Backend", Map.of("kind", new String[] {"emulator", "cuda", "cpu"}));
        m.put("Explainer", Map.of("backend", new String[] {"ejml"}));
        m.put("CudaOnly", Map.of("device", new String[] {"cuda"}));
        m.put("NoParams", Map.of());
        return m;
    }

    @Test
    void withoutAGpuEachClassWithCudaValuesRunsWithTheOthersOnly() {
        List<BenchMain.Plan> plans = BenchMain.plan(benchmarks(), Set.of(), false);
        assertEquals(3, plans.size(), plans.toString());
        assertEquals(Set.of("Explainer", "NoParams"), plans.get(0).classes());
        assertEquals(Map.of(), plans.get(0).params());
        assertEquals(Set.of("Gemm"), plans.get(1).classes());
        assertEquals(Set.of("device"), plans.get(1).params().keySet()); // n is not touched
        assertArrayEquals(new String[] {"emulator"}, plans.get(1).params().get("device"));
        assertEquals(Set.of("Backend"), plans.get(2).classes());
        assertArrayEquals(new String[] {"emulator", "cpu"}, plans.get(2).params().get("kind"));
        // CudaOnly has nothing left to run and is in no plan
        assertEquals(0, plans.stream().filter(p -> p.classes().contains("CudaOnly")).count());
    }

    @Test
    void withAGpuOrAParameterTheUserSetEverythingRunsAsGiven() {
        List<BenchMain.Plan> gpu = BenchMain.plan(benchmarks(), Set.of(), true);
        assertEquals(1, gpu.size());
        assertEquals(benchmarks().keySet(), gpu.get(0).classes());
        assertEquals(Map.of(), gpu.get(0).params());

        List<BenchMain.Plan> userSet = BenchMain.plan(benchmarks(), Set.of("device"), false);
        assertEquals(2, userSet.size(), userSet.toString());
        assertEquals(Set.of("Gemm", "Explainer", "CudaOnly", "NoParams"), userSet.get(0).classes());
        assertEquals(Set.of("Backend"), userSet.get(1).classes());
    }
}
