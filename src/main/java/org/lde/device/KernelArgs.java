package org.lde.device;

import java.util.ArrayList;
import java.util.List;

/**
 * Typed kernel arguments in parameter order. The types must match the kernel's PTX parameters
 * ({@code .u64} pointer, {@code .u32}/{@code .s32}, {@code .f32}, ...); a mismatch is an error.
 */
public final class KernelArgs {
    public sealed interface Arg permits Ptr, I32, I64, F32, F64 {
    }

    public record Ptr(DeviceBuffer buffer) implements Arg {
    }

    public record I32(int value) implements Arg {
    }

    public record I64(long value) implements Arg {
    }

    public record F32(float value) implements Arg {
    }

    public record F64(double value) implements Arg {
    }

    private final List<Arg> args = new ArrayList<>();

    public static KernelArgs of() {
        return new KernelArgs();
    }

    public KernelArgs ptr(DeviceBuffer b) {
        args.add(new Ptr(java.util.Objects.requireNonNull(b, "buffer")));
        return this;
    }

    public KernelArgs i32(int v) {
        args.add(new I32(v));
        return this;
    }

    public KernelArgs i64(long v) {
        args.add(new I64(v));
        return this;
    }

    public KernelArgs f32(float v) {
        args.add(new F32(v));
        return this;
    }

    public KernelArgs f64(double v) {
        args.add(new F64(v));
        return this;
    }

    public List<Arg> args() {
        return List.copyOf(args);
    }
}
