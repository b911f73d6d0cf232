package eim.model.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The decoder half: the tokenizer's {@code post_quant_layer} followed by
 * {@code EquivariantTokenizerDecoder1D} (decoder1d, the inverse reshape to (B, z, h, L), conv_in,
 * middle, levels of numResBlocks+1 ResnetBlocks with AttnBlocks and UpsampleShuffleResidual,
 * GroupNorm, swish, conv_out). Latent (B, embed, 1, L) -> image (B, 3, resolution, L·scale).
 */
final class Decoder {
    private final TokenizerConfig cfg;
    private final Conv postQuantLayer, decoder1d, convIn, convOut;
    private final ResnetBlock midBlock1, midBlock2;
    private final AttnBlock midAttn;
    /** Indexed by level as in the authors' {@code up} ModuleList; run from the last level down. */
    private final List<List<ResnetBlock>> blocks = new ArrayList<>();
    private final List<List<AttnBlock>> attns = new ArrayList<>();
    private final List<ShuffleResample> upsamples = new ArrayList<>();
    private final Norm normOut;

    Decoder(TokenizerParameters p, TokenizerConfig cfg) {
        this.cfg = cfg;
        int ch = cfg.ch(), groups = cfg.groups(), levels = cfg.levels();
        int[] mult = cfg.chMult();
        postQuantLayer = Conv.conv1d(p, "post_quant_layer", cfg.embedDim(), cfg.postChannels());
        int blockIn = ch * mult[levels - 1];
        int res = cfg.latentHeight();
        decoder1d = Conv.conv1d(p, "decoder.decoder1d", cfg.postChannels(), cfg.postChannels());
        convIn = Conv.conv2d(p, "decoder.conv_in", cfg.zChannels(), blockIn, 3);
        midBlock1 = new ResnetBlock(p, "decoder.mid.block_1", blockIn, blockIn, groups);
        midAttn = new AttnBlock(p, "decoder.mid.attn_1", blockIn, groups);
        midBlock2 = new ResnetBlock(p, "decoder.mid.block_2", blockIn, blockIn, groups);
        for (int level = 0; level < levels; level++) {
            blocks.add(null);
            attns.add(null);
            upsamples.add(null);
        }
        for (int level = levels - 1; level >= 0; level--) {
            String prefix = "decoder.up." + level;
            int blockOut = ch * mult[level];
            List<ResnetBlock> b = new ArrayList<>();
            List<AttnBlock> a = new ArrayList<>();
            for (int i = 0; i < cfg.numResBlocks() + 1; i++) {
                b.add(new ResnetBlock(p, prefix + ".block." + i, blockIn, blockOut, groups));
                blockIn = blockOut;
                if (cfg.attentionAt(res)) {
                    a.add(new AttnBlock(p, prefix + ".attn." + i, blockIn, groups));
                }
            }
            blocks.set(level, b);
            attns.set(level, a);
            if (level != 0) {
                upsamples.set(level, ShuffleResample.up(p, prefix + ".upsample", blockIn));
                res *= 2;
            }
        }
        normOut = new Norm(p, "decoder.norm_out", blockIn, groups);
        convOut = Conv.conv2d(p, "decoder.conv_out", blockIn, cfg.inChannels(), 3);
    }

    /** The layers (one graph each) from {@code latent} (B, embed, 1, L) to the image. */
    List<Layer> bind(Activation latent, NetBuilder nb) {
        if (latent.C != cfg.embedDim() || latent.H != 1 || latent.W < 2) {
            throw new IllegalArgumentException("latent must be (B, " + cfg.embedDim() + ", 1, L >= 2), got ("
                    + latent.B + ", " + latent.C + ", " + latent.H + ", " + latent.W + ")");
        }
        List<Layer> out = new ArrayList<>();
        nb.chain(out, postQuantLayer.bind(latent, nb));
        nb.chain(out, decoder1d.bind(out.getLast().output(), nb));
        // rasterization: (B, L, z·h) -> (B, z, h, L), channel-major the same memory as (B, z·h, 1, L)
        Activation seq = out.getLast().output();
        nb.chain(out, convIn.bind(seq.view(cfg.zChannels(), cfg.latentHeight(), seq.W), nb));
        nb.chain(out, midBlock1.bind(out.getLast().output(), nb));
        nb.chain(out, midAttn.bind(out.getLast().output(), nb));
        nb.chain(out, midBlock2.bind(out.getLast().output(), nb));
        for (int level = cfg.levels() - 1; level >= 0; level--) {
            for (int i = 0; i < blocks.get(level).size(); i++) {
                nb.chain(out, blocks.get(level).get(i).bind(out.getLast().output(), nb));
                if (!attns.get(level).isEmpty()) {
                    nb.chain(out, attns.get(level).get(i).bind(out.getLast().output(), nb));
                }
            }
            if (level != 0) {
                nb.chain(out, upsamples.get(level).bind(out.getLast().output(), nb));
            }
        }
        Layer norm = normOut.bind(out.getLast().output(), true, nb);
        Layer conv = convOut.bind(norm.output(), nb);
        nb.release(norm.output());
        nb.chain(out, new Sequence("decoder.out", List.of(norm, conv), conv.output(), null));
        return out;
    }
}
