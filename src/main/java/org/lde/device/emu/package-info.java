/**
 * The PTX emulator: {@link org.lde.device.emu.EmulatedDevice} parses the PTX that nvcc emits (tested
 * with nvcc 13 for {@code compute_75}; any {@code .version}), decodes each entry once into executable
 * instruction objects, and interprets them over structure-of-arrays lane registers, 32 lanes per warp
 * in lockstep, with a sanitizer and per-launch counters.
 *
 * <h2>Accepted PTX</h2>
 * {@code .version}, {@code .target}, {@code .address_size 64}; {@code .visible/.weak/.extern .entry}
 * with {@code .param} scalars and {@code .param .align N .b8 name[N]} byte arrays, performance directives
 * ({@code .maxntid} and {@code .reqntid} are enforced at launch); {@code .func} device functions, whose
 * {@code call}s are inlined at decode time (arguments and results travel through the caller's
 * {@code .param} call-frame variables, kept in per-thread local memory; recursion, indirect calls and
 * functions without a body such as {@code vprintf} are errors), so {@code -G} builds run too; module {@code .global}/{@code .const} variables with initialisers,
 * {@code .shared} (static, and {@code .extern .shared} dynamic), function {@code .shared}/{@code .local}
 * arrays, {@code .reg} with {@code <N>} ranges and nested-scope declarations, labels, guards
 * {@code @%p}/{@code @!%p}, vector operands, address forms {@code [reg]}, {@code [reg+imm]},
 * {@code [reg+-imm]}, {@code [sym]}, {@code [sym+imm]}, {@code [imm]}, hexadecimal float immediates
 * ({@code 0fXXXXXXXX}, {@code 0dXXXXXXXXXXXXXXXX}), decimal/hex/octal/binary integers, statements over
 * several lines, {@code .loc}/{@code .file} (kept for messages), {@code .pragma}, {@code .section}
 * (skipped) and comments.
 *
 * <h2>Where an instruction lives</h2>
 * {@link org.lde.device.emu.Decoder} parses qualifiers and operands and dispatches on the opcode to one
 * class per family of the PTX ISA, which holds that family's decoding and its executable instruction
 * classes: {@code IntArith} (integer arithmetic), {@code FloatArith}/{@code FloatInsns} (floating point,
 * approximate functions), {@code Conversions} (cvt), {@code BitInsns} (logic, shifts, bit fields, prmt,
 * lop3), {@code SelectInsns} (setp, set, selp, slct), {@code MemoryInsns} (ld, st, atom, red, cvta),
 * {@code ControlInsns} (bra, ret, exit, trap, bar.sync, bar.red, fences), {@code WarpInsns} (shfl, vote,
 * activemask, bar.warp.sync); {@code Insns} holds the shared lane loops (d = f(a, b, ...)). The tests
 * follow the same families ({@code IntInsnTest}, {@code FloatInsnTest}, {@code CvtTest},
 * {@code SpacesAndSpecialsTest}, {@code WarpLevelTest}, {@code SanitizerTest}).
 *
 * <h2>Instructions</h2>
 * mov (incl. vector pack/unpack, special registers, symbol addresses, %clock/%clock64 as a step
 * counter); ld/ldu/st (global, shared, local, param, const, generic; .v2/.v4; cache and ordering
 * qualifiers ignored); cvta/cvta.to (global, shared, local, const, param); add/sub/mul/mad (.lo/.hi/.wide,
 * .sat for s32), div, rem, abs, neg, min, max on 16/32/64-bit integers; add/sub/mul/fma/mad/div on
 * f32/f64 with .rn/.rz/.rm/.rp, .ftz, .sat, div.full/.approx, min/max (.ftz, .NaN); and/or/xor/not/cnot
 * (incl. .pred), shl/shr, bfe, bfi, popc, clz, brev, prmt (default mode), lop3; selp, setp (all
 * comparisons, .and/.or/.xor, p|q), set, slct; cvt (all integer/float pairs incl. f16, rounding and
 * saturation); rcp, sqrt (exact and .approx), rsqrt/ex2/lg2/sin/cos/tanh .approx; copysign; testp; bra,
 * ret, exit, trap, call; bar.sync/barrier.sync (barrier 0, all threads), bar.red.popc/and/or, bar.warp.sync,
 * membar/fence (no-ops); shfl.sync up/down/bfly/idx; vote.sync all/any/uni/ballot (and legacy vote);
 * activemask; atom/red on global, shared and generic memory: add (u32, s32, u64, s64, f32, f64), min/max
 * (32/64-bit integers), exch, cas, and/or/xor, inc/dec (u32).
 *
 * <h2>Not supported (a clear error at module load)</h2>
 * recursive, indirect or external calls (printf, malloc), f16/bf16 arithmetic (only conversions), add.cc/addc/subc/madc, mul24/mad24,
 * sad, prmt modes other than the default, named barriers other than 0 and barriers with thread counts,
 * bar.arrive, match/redux/elect, textures and surfaces, cp.async, ldmatrix/mma/wmma, vector registers
 * ({@code .reg .v4}), 32-bit addressing, initialisers that are addresses.
 *
 * <h2>Choices where PTX leaves room (all documented in the classes)</h2>
 * Integer division by zero gives all ones (unsigned: what the hardware gives; signed: -1); remainder by
 * zero gives the dividend. NaN results of f32 arithmetic are the canonical NaN 0x7FFFFFFF; of f64
 * arithmetic 0x7FFFFFFFFFFFFFFF. min/max return the non-NaN operand and order -0 below +0.
 * Approximate instructions are computed in double and rounded once (more accurate than hardware, within
 * the ISA's stated bounds, see {@code FloatArith}). atom.add.f32 flushes subnormals.
 * Registers, shared and local memory and fresh global allocations start filled with
 * {@link org.lde.device.DeviceBuffer#POISON}. By default atomics are applied in lane order, warps one after
 * another, blocks in order: results are deterministic. With {@code -Dlde.emu.schedule=SEED} ({@link
 * org.lde.device.emu.Schedule}) the orders are seeded random ones and approximate instructions are perturbed
 * within their bounds; {@link org.lde.device.emu.Hazards} reports races whatever the order.
 */
package org.lde.device.emu;
