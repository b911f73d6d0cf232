package eim.tasks.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class BlockTransposeTest {
    /**
     * The gather transpose writes exactly what the element-by-element loop writes, at offsets and
     * strides like Linear's, for row counts with and without whole vectors (edges of every width), with
     * and without the bias; nothing outside the destination's rows and columns is touched.
     */
    @Test
    void gathersMatchTheScalarLoop() {
        Random rnd = new Random(11);
        int[] sizes = {1, 5, 8, 15, 16, 17, 31, 32, 40, 64, 70};
        for (int rows : sizes) {
            for (int cols : sizes) {
                for (boolean withBias : new boolean[] {false, true}) {
                    int lds = cols + 3, ldd = rows + 5, so = 7, d0 = 2, bo = 4;
                    float[] src = new float[so + rows * lds];
                    for (int i = 0; i < src.length; i++) {
                        src[i] = rnd.nextFloat() * 2 - 1;
                    }
                    float[] bias = null;
                    if (withBias) {
                        bias = new float[bo + rows];
                        for (int i = 0; i < bias.length; i++) {
                            bias[i] = rnd.nextFloat();
                        }
                    }
                    float[] expected = new float[d0 + cols * ldd + 3], actual = expected.clone();
                    java.util.Arrays.fill(expected, 42f);
                    java.util.Arrays.fill(actual, 42f);
                    BlockTranspose.scalar(src, so, lds, expected, d0, ldd, 0, rows, cols, bias, bo);
                    BlockTranspose.transpose(src, so, lds, actual, d0, ldd, rows, cols, bias, bo);
                    assertArrayEquals(expected, actual, 0f, rows + "x" + cols + (withBias ? " with bias" : ""));
                    if (rows == 17 && cols == 17) { // the scalar loop itself: dst[c, r] = src[r, c] (+ bias[r])
                        float want = src[so + 16 * lds + 3] + (withBias ? bias[bo + 16] : 0f);
                        assertArrayEquals(new float[] {want}, new float[] {actual[d0 + 3 * ldd + 16]}, 0f);
                    }
                }
            }
        }
    }
}
