package eim.model.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The encoder half: {@code EquivariantTokenizerEncoder1D} (conv_in, levels of ResnetBlocks with
 * AttnBlocks at the attention resolutions and DownsampleShuffleResidual between levels, middle
 * Resnet-Attn-Resnet, GroupNorm, swish, conv_out, columnization, encoder1d) followed by the
 * tokenizer's {@code quant_layer}. Image (B, in, H, W) -> moments (B, embed, 1, W/scale).
 */
final class Encoder {
    private final TokenizerConfig cfg;
    private final Conv convIn, convOut, encoder1d, quantLayer;
    private final List<List<ResnetBlock>> blocks = new ArrayList<>();
    private final List<List<AttnBlock>> attns = new ArrayList<>();
    private final List<ShuffleResample> downsamples = new ArrayList<>();
    private final ResnetBlock midBlock1, midBlock2;
    private final AttnBlock midAttn;
    private final Norm normOut;

    Encoder(TokenizerParameters p, TokenizerConfig cfg) {
        this.cfg = cfg;
        int ch = cfg.ch(), groups = cfg.groups();
        int[] mult = cfg.chMult();
        convIn = Conv.conv2d(p, "encoder.conv_in", cfg.inChannels(), ch, 3);
        int res = cfg.resolution(), blockIn = ch;
        for (int level = 0; level < cfg.levels(); level++) {
            String prefix = "encoder.down." + level;
            int blockOut = ch * mult[level];
            List<ResnetBlock> b = new ArrayList<>();
            List<AttnBlock> a = new ArrayList<>();
            for (int i = 0; i < cfg.numResBlocks(); i++) {
                b.add(new ResnetBlock(p, prefix + ".block." + i, blockIn, blockOut, groups));
                blockIn = blockOut;
                if (cfg.attentionAt(res)) {
                    a.add(new AttnBlock(p, prefix + ".attn." + i, blockIn, groups));
                }
            }
            blocks.add(b);
            attns.add(a);
            if (level != cfg.levels() - 1) {
                downsamples.add(ShuffleResample.down(p, prefix + ".downsample", blockIn));
                res /= 2;
            }
        }
        midBlock1 = new ResnetBlock(p, "encoder.mid.block_1", blockIn, blockIn, groups);
        midAttn = new AttnBlock(p, "encoder.mid.attn_1", blockIn, groups);
        midBlock2 = new ResnetBlock(p, "encoder.mid.block_2", blockIn, blockIn, groups);
        normOut = new Norm(p, "encoder.norm_out", blockIn, groups);
        convOut = Conv.conv2d(p, "encoder.conv_out", blockIn, cfg.zChannels(), 3);
        encoder1d = Conv.conv1d(p, "encoder.encoder1d", cfg.postChannels(), cfg.postChannels());
        quantLayer = Conv.conv1d(p, "quant_layer", cfg.postChannels(), cfg.embedDim());
    }

    /** The layers (one graph each) from {@code image} (B, in, resolution, W) to the moments. */
    List<Layer> bind(Activation image, NetBuilder nb) {
        if (image.H != cfg.resolution()) {
            throw new IllegalArgumentException("images must be " + cfg.resolution() + " pixels high for this tokenizer, got "
                    + image.H);
        }
        cfg.tokensForWidth(image.W);
        List<Layer> out = new ArrayList<>();
        nb.chain(out, convIn.bind(image, nb));
        for (int level = 0; level < cfg.levels(); level++) {
            for (int i = 0; i < blocks.get(level).size(); i++) {
                nb.chain(out, blocks.get(level).get(i).bind(out.getLast().output(), nb));
                if (!attns.get(level).isEmpty()) {
                    nb.chain(out, attns.get(level).get(i).bind(out.getLast().output(), nb));
                }
            }
            if (level < downsamples.size()) {
                nb.chain(out, downsamples.get(level).bind(out.getLast().output(), nb));
            }
        }
        nb.chain(out, midBlock1.bind(out.getLast().output(), nb));
        nb.chain(out, midAttn.bind(out.getLast().output(), nb));
        nb.chain(out, midBlock2.bind(out.getLast().output(), nb));
        Layer norm = normOut.bind(out.getLast().output(), true, nb);
        Layer conv = convOut.bind(norm.output(), nb);
        nb.release(norm.output());
        nb.chain(out, new Sequence("encoder.out", List.of(norm, conv), conv.output(), null));
        // columnization: (B, z, h, w) -> (B, w, z·h) is, channel-major, the same memory as (B, z·h, 1, w)
        Activation f = conv.output();
        nb.chain(out, encoder1d.bind(f.view(f.C * f.H, 1, f.W), nb));
        nb.chain(out, quantLayer.bind(out.getLast().output(), nb));
        return out;
    }
}
