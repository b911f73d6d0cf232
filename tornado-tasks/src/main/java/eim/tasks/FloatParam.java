package eim.tasks;

/** A float scalar argument read at every launch, in a one-element array; see {@link IntParam}. */
public final class FloatParam {
    private final float[] cell = new float[1];

    public FloatParam(float value) {
        cell[0] = value;
    }

    public float get() {
        return cell[0];
    }

    public void set(float value) {
        cell[0] = value;
    }

    /** The one-element array kernels read. */
    public float[] cell() {
        return cell;
    }
}
