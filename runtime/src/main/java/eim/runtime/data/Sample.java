package eim.runtime.data;

/** One transformed image, (3, H, W) in [-1, 1] (see {@link ImageTensor}), and its class index. */
public record Sample(float[] chw, int label) {}
