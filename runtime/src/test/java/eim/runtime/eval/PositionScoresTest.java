package eim.runtime.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PositionScoresTest {
    /** Tokens drawn from N(shift(l), 1) per channel: each position's score is the known mean term. */
    @Test
    void eachPositionIsScoredAgainstItsOwnReference() {
        int n = 4000, length = 5, channels = 2;
        Random r = new Random(1);
        float[] data = new float[n * length * channels], gen = new float[n * length * channels];
        for (int i = 0; i < n; i++) {
            for (int l = 0; l < length; l++) {
                for (int c = 0; c < channels; c++) {
                    data[(i * length + l) * channels + c] = (float) r.nextGaussian();
                    // position 3 of the generated set is off by 2 in channel 0
                    gen[(i * length + l) * channels + c] = (float) (r.nextGaussian() + (l == 3 && c == 0 ? 2 : 0));
                }
            }
        }
        double[] s = PositionScores.frechetPerPosition(gen, n, length, data, n, length, channels, false);
        for (int l = 0; l < length; l++) {
            assertEquals(l == 3 ? 4.0 : 0.0, s[l], 0.15, "position " + l);
        }
        // beyond the data's length only the pooled reference applies
        assertThrows(IllegalArgumentException.class,
                () -> PositionScores.frechetPerPosition(gen, n, length, data, n, length - 1, channels, false));
        double[] pooled = PositionScores.frechetPerPosition(gen, n, length, data, n, length, channels, true);
        assertTrue(pooled[3] > 3.5 && pooled[0] < 0.15, "pooled reference: " + pooled[3] + ", " + pooled[0]);
    }

    @Test
    void rowsGatherOnePositionOrAll() {
        float[] t = {0, 1, 2, 3, 4, 5, 6, 7}; // (2 sequences, 2 positions, 2 channels)
        assertEquals(2, PositionScores.rows(t, 2, 2, 2, 1).length);
        assertEquals(6.0, PositionScores.rows(t, 2, 2, 2, 1)[1][0]);
        assertEquals(4, PositionScores.rows(t, 2, 2, 2, -1).length);
        assertEquals(5.0, PositionScores.rows(t, 2, 2, 2, -1)[2][1]);
    }
}
