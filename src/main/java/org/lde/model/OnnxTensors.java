package org.lde.model;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.lde.model.onnx.proto.OnnxProto.TensorProto;
import org.lde.tensor.Shape;

/**
 * Decodes ONNX {@code TensorProto}s (initializers and {@code Constant} values) to float64, from
 * {@code raw_data} (little-endian) or the typed fields ({@code float_data}, {@code double_data},
 * {@code int32_data}, {@code int64_data}). Every conversion is exact: float32, float16 and bfloat16
 * widen exactly, and integers are accepted up to 2^53 in magnitude.
 */
final class OnnxTensors {
    static final int FLOAT = 1;
    static final int INT32 = 6;
    static final int BOOL = 9;
    static final int INT64 = 7;
    static final int FLOAT16 = 10;
    static final int DOUBLE = 11;
    static final int BFLOAT16 = 16;

    private OnnxTensors() {
    }

    /** A decoded constant: its full ONNX dims (no batch removed) and values, row-major. */
    record Const(String name, long[] dims, double[] values, boolean integer) {
        int rank() {
            return dims.length;
        }

        /** The dims as an engine {@link Shape} (every dimension at least 1 and an int). */
        Shape shape() {
            int[] d = new int[dims.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = (int) dims[i];
            }
            return Shape.of(d);
        }

        String dimsText() {
            return Arrays.toString(dims);
        }
    }

    static String typeName(int t) {
        switch (t) {
            case FLOAT: return "FLOAT";
            case INT32: return "INT32";
            case INT64: return "INT64";
            case BOOL: return "BOOL";
            case FLOAT16: return "FLOAT16";
            case DOUBLE: return "DOUBLE";
            case BFLOAT16: return "BFLOAT16";
            default: return "data type " + t;
        }
    }

    /**
     * The tensor's values.
     *
     * @throws IllegalArgumentException naming the tensor ({@code what}) when its type, size or a value is not usable
     */
    static Const decode(TensorProto t, String what) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
            throw new IllegalArgumentException(what + " keeps its data in an external file, which the importer does not "
                    + "read; save the model with its data inside (onnx.save(model, path, save_as_external_data=False))");
        }
        if (t.hasSegment()) {
            throw new IllegalArgumentException(what + " is a segment of a larger tensor, which the importer does not read");
        }
        long[] dims = new long[t.getDimsCount()];
        long n = 1;
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.getDims(i);
            if (dims[i] < 0 || dims[i] > Network.MAX_VALUES) {
                throw new IllegalArgumentException(what + " has dimension " + dims[i] + " in dims " + Arrays.toString(
                        t.getDimsList().stream().mapToLong(Long::longValue).toArray()));
            }
            n *= dims[i];
            if (n > Network.MAX_VALUES) {
                throw new IllegalArgumentException(what + " has more than " + Network.MAX_VALUES + " values");
            }
        }
        int count = (int) n;
        int type = t.getDataType();
        double[] v = new double[count];
        boolean integer = type == INT32 || type == INT64 || type == BOOL;
        ByteString raw = t.getRawData();
        if (t.hasRawData()) {
            int width = switch (type) {
                case FLOAT, INT32 -> 4;
                case INT64, DOUBLE -> 8;
                case FLOAT16, BFLOAT16 -> 2;
                case BOOL -> 1;
                default -> throw unsupported(what, type);
            };
            if ((long) raw.size() != (long) width * count) {
                throw new IllegalArgumentException(what + " (" + typeName(type) + ", dims " + Arrays.toString(dims) + " = "
                        + count + " values) has " + raw.size() + " bytes of raw_data, expected " + (long) width * count);
            }
            ByteBuffer bb = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) {
                v[i] = switch (type) {
                    case FLOAT -> bb.getFloat(4 * i);
                    case INT32 -> bb.getInt(4 * i);
                    case INT64 -> exactLong(bb.getLong(8 * i), what, i);
                    case DOUBLE -> bb.getDouble(8 * i);
                    case FLOAT16 -> ModelFile.halfToDouble(bb.getShort(2 * i) & 0xffff);
                    case BOOL -> bb.get(i) != 0 ? 1 : 0;
                    default -> Float.intBitsToFloat((bb.getShort(2 * i) & 0xffff) << 16);
                };
            }
        } else {
            int have = switch (type) {
                case FLOAT -> t.getFloatDataCount();
                case DOUBLE -> t.getDoubleDataCount();
                case INT64 -> t.getInt64DataCount();
                case INT32, FLOAT16, BFLOAT16, BOOL -> t.getInt32DataCount();
                default -> throw unsupported(what, type);
            };
            if (have != count) {
                throw new IllegalArgumentException(what + " (" + typeName(type) + ", dims " + Arrays.toString(dims) + " = "
                        + count + " values) holds " + have + " values");
            }
            for (int i = 0; i < count; i++) {
                v[i] = switch (type) {
                    case FLOAT -> t.getFloatData(i);
                    case DOUBLE -> t.getDoubleData(i);
                    case INT64 -> exactLong(t.getInt64Data(i), what, i);
                    case INT32 -> t.getInt32Data(i);
                    case BOOL -> t.getInt32Data(i) != 0 ? 1 : 0;
                    case FLOAT16 -> ModelFile.halfToDouble(t.getInt32Data(i) & 0xffff);
                    default -> Float.intBitsToFloat((t.getInt32Data(i) & 0xffff) << 16);
                };
            }
        }
        for (int i = 0; i < count; i++) {
            if (!Double.isFinite(v[i])) {
                throw new IllegalArgumentException(what + " contains " + v[i] + " at flat index " + i
                        + "; weights must be finite");
            }
        }
        return new Const(t.getName(), dims, v, integer);
    }

    private static double exactLong(long x, String what, int i) {
        if (Math.abs(x) > (1L << 53)) {
            throw new IllegalArgumentException(what + " holds " + x + " at flat index " + i
                    + ", beyond the integers a double holds exactly");
        }
        return x;
    }

    private static IllegalArgumentException unsupported(String what, int type) {
        return new IllegalArgumentException(what + " has " + typeName(type)
                + "; the importer reads FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT32, INT64 and BOOL tensors");
    }
}
