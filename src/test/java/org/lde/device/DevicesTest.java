package org.lde.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** Device selection. The build machine has no GPU; the GPU-specific checks are skipped on one that has. */
class DevicesTest {

    @Test
    void probeNeverThrowsAndExplainsTheAbsenceOfAGpu() {
        GpuProbe.Result r = Devices.probe();
        assumeFalse(r.usable(), "a CUDA GPU is usable here (" + r.reason() + "); the no-GPU checks do not apply");
        assertEquals(0, r.deviceCount());
        assertTrue(r.reason().contains("libcuda.so.1"), "reason should name the missing driver library: " + r.reason());
        assertFalse(r.reason().contains("\n"), "one line: " + r.reason());
    }

    @Test
    void openCudaWithoutAGpuFailsWithOneClearSentence() {
        GpuProbe.Result r = Devices.probe();
        assumeFalse(r.usable(), "a CUDA GPU is usable here");
        DeviceException e = assertThrows(DeviceException.class, () -> Devices.open("cuda"));
        assertTrue(e.getMessage().startsWith("cannot open a CUDA device: "), e.getMessage());
        assertTrue(e.getMessage().contains("libcuda.so.1"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        // the JCuda driver class was never touched, so the probe still works afterwards
        assertFalse(Devices.probe().usable());
    }

    @Test
    void unknownKindListsTheKinds() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Devices.open("bogus"));
        assertTrue(e.getMessage().contains("'bogus'"), e.getMessage());
        for (String kind : Devices.KINDS) {
            assertTrue(e.getMessage().contains(kind), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Devices.open("CUDA"));
        assertThrows(NullPointerException.class, () -> Devices.open(null));
    }

    @Test
    void autoFallsBackToTheEmulatorWithOneLineOfReason() {
        GpuProbe.Result r = Devices.probe();
        assumeFalse(r.usable(), "a CUDA GPU is usable here, so auto picks it");
        ByteArrayOutputStream notes = new ByteArrayOutputStream();
        try (Device d = Devices.open("auto", new PrintStream(notes, true, StandardCharsets.UTF_8))) {
            assertEquals("org.lde.device.emu.EmulatedDevice", d.getClass().getName());
        }
        String text = notes.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.lines().count(), "exactly one line: " + text);
        assertTrue(text.startsWith("lde: using the PTX emulator: ") && text.contains("libcuda.so.1"), text);
    }

    @Test
    void debugModeIsAnOptionOfOpenAndASystemProperty() {
        assertEquals("lde.device.debug", Devices.DEBUG_PROPERTY);
        try (Device d = Devices.open("emulator", System.err, true)) {   // the emulator is synchronous anyway
            assertEquals("org.lde.device.emu.EmulatedDevice", d.getClass().getName());
        }
        GpuProbe.Result r = Devices.probe();
        assumeFalse(r.usable(), "a CUDA GPU is usable here");
        DeviceException e = assertThrows(DeviceException.class, () -> Devices.open("cuda", System.err, true));
        assertTrue(e.getMessage().startsWith("cannot open a CUDA device: "), e.getMessage());
    }

    @Test
    void emulatorIsAlwaysAvailable() {
        try (Device d = Devices.open("emulator")) {
            assertEquals("org.lde.device.emu.EmulatedDevice", d.getClass().getName());
            assertFalse(d.name().isBlank());
        }
    }
}
