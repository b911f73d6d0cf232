package eim.runtime.tokenizer;

/**
 * Extension point for the authors' other generator-side terms that need third-party networks
 * (LPIPS perceptual loss, the DINO-discriminator hinge GAN with its adaptive weight, the DINOv2
 * semantic alignment). None is implemented here; a plug-in adds its value and its gradient with
 * respect to the reconstructions, and trains its own networks inside {@link #addTo} if it has any.
 */
public interface AuxiliaryLoss {
    /** Name used in the training log. */
    String name();

    /**
     * Adds this term's gradient to {@code dRecon} and returns its (weighted) value.
     *
     * @param inputs  target images (B, 3, H, W) in [-1, 1]
     * @param recon   reconstructions, same shape
     * @param dRecon  gradient of the total loss w.r.t. recon, to add to
     * @param step    optimizer step (for start-up schedules such as the authors' disc_start)
     */
    double addTo(float[] inputs, float[] recon, float[] dRecon, int batch, long step);
}
