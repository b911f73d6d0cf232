/**
 * Every file format of the project, side by side:
 * <ul>
 *   <li>{@link eim.model.io.TokenFile}: column tokens (N, L, C) with labels, augmented views,
 *       vae_norm and provenance: what {@code tokenize} and {@code sample} write and {@code train},
 *       {@code decode} and {@code forward} read;</li>
 *   <li>{@link eim.model.io.GeneratorCheckpoint} and {@link eim.model.io.TokenizerCheckpoint}: our
 *       models (weights, EMA, optimiser state, config and provenance as metadata);</li>
 *   <li>{@link eim.model.io.TorchCheckpoint}, {@link eim.model.io.Pickle}: the reader of the authors'
 *       PyTorch {@code .ckpt}/{@code .pth} files, with {@link eim.model.io.GeneratorWeights} and
 *       {@link eim.model.io.TokenizerWeights} mapping their state_dict keys, and
 *       {@link eim.model.io.Inspect} listing any of them.</li>
 * </ul>
 * All of ours are safetensors files; the container itself ({@code eim.tasks.io.SafeTensors},
 * {@code Tensor}, {@code AtomicFiles}, {@code OutputPaths}) lives one module down, in
 * tornado-tasks, because the kernels' golden files are safetensors too and that module cannot
 * depend on this one.
 */
package eim.model.io;
