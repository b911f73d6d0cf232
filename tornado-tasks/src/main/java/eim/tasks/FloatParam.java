package eim.tasks;

/** A float scalar argument read at every launch; see {@link IntParam}. */
public final class FloatParam {
    private volatile float value;

    public FloatParam(float value) {
        this.value = value;
    }

    public float get() {
        return value;
    }

    public void set(float value) {
        this.value = value;
    }
}
