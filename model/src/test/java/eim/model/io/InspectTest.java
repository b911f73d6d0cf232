package eim.model.io;

import static eim.model.io.TorchCheckpointTest.resource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.tasks.io.SafeTensors;
import eim.tasks.io.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectTest {

    @Test
    void listsAGeneratorCheckpoint() throws IOException {
        Inspect.Listing l = Inspect.of(resource("generator_tiny.ckpt"));
        assertEquals("pytorch", l.format());
        assertEquals(173, l.entries().size());
        String out = l.render(null);
        assertTrue(out.startsWith("generator_tiny.ckpt: pytorch, 173 tensors, "), out);
        assertTrue(out.contains("  top-level keys: model, model_ema, optimizer, epoch, scaler, args\n"), out);
        assertTrue(out.contains("  generator model (85 tensors, model_ema with 85 tensors): width 16, depth 2, token channels 4, "
                + "buffer 4, classes 5, MLP ratio 4, head width 16, head depth 2\n"), out);
        assertTrue(out.lines().anyMatch(s -> s.matches("model/z_proj\\.weight +float16 +\\[16, 4\\]")), out);
        assertTrue(out.lines().anyMatch(s -> s.matches("model/encoder_pos_embed_learned +bfloat16 +\\[1, 4, 16\\]")), out);
        assertTrue(out.lines().anyMatch(s -> s.matches("optimizer/state/63/exp_avg +float32 +\\[16, 4\\]")), out);
    }

    @Test
    void listsATokenizerCheckpointWithItsEmaSplit() throws IOException {
        String out = Inspect.of(resource("tokenizer_tiny.ckpt")).render("ema_encoder.");
        assertTrue(out.contains("  tokenizer state_dict: "), out);
        assertTrue(out.contains(" EMA copies, 10 EMA counters, 7 other entries (loss.*)"), out);
        assertTrue(out.lines().anyMatch(s -> s.matches("state_dict/ema_encoder\\.num_updates +int32 +\\[\\]")), out);
        assertTrue(out.lines().anyMatch(s -> s.matches("state_dict/ema_encoder\\.conv_inweight +float32 +\\[4, 3, 3, 3\\]")), out);
        assertTrue(out.lines().noneMatch(s -> s.startsWith("state_dict/encoder.")), out);
        assertTrue(out.contains(" tensors match 'ema_encoder.'"), out);
    }

    @Test
    void listsASafetensorsFileFromItsHeader(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("weights.safetensors");
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("z_proj.weight", Tensor.of(new float[8], 4, 2));
        t.put("labels", Tensor.ofInts(new int[] {1, 2, 3}, 3));
        SafeTensors.write(f, t, Map.of("kind", "eim-generator"));
        Inspect.Listing l = Inspect.of(f);
        assertEquals("safetensors", l.format());
        assertEquals(List.of("z_proj.weight", "labels"), l.entries().stream().map(Inspect.Entry::name).toList());
        assertEquals(List.of("float32", "int32"), l.entries().stream().map(Inspect.Entry::dtype).toList());
        String out = l.render(null);
        assertTrue(out.startsWith("weights.safetensors: safetensors, 2 tensors, 11 values\n  kind = eim-generator\n"), out);
        assertTrue(out.contains("z_proj.weight  float32  [4, 2]\n"), out);
        assertTrue(out.contains("labels         int32    [3]\n"), out);

        Path bad = dir.resolve("bad.safetensors");
        Files.writeString(bad, "nope");
        IOException e = assertThrows(IOException.class, () -> Inspect.of(bad));
        assertTrue(e.getMessage().contains("not a safetensors file"), e.getMessage());
    }
}
