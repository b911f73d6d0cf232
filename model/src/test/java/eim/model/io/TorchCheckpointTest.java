package eim.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.tasks.io.Tensor;
import eim.tasks.testing.Golden;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads the tiny checkpoints that scripts/golden/make_ckpts.py wrote with torch.save, in the
 * authors' formats, and compares every tensor with the float32 values PyTorch itself reported.
 */
class TorchCheckpointTest {

    static Path resource(String name) {
        try {
            var url = TorchCheckpointTest.class.getResource("/ckpt/" + name);
            assertNotNull(url, "missing test resource /ckpt/" + name + ": run scripts/golden/make_ckpts.py");
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void generatorCheckpointMatchesPyTorchEverywhere() throws IOException {
        compareAll("generator_tiny.ckpt", "ckpt_expected_generator", 173);
    }

    @Test
    void tokenizerCheckpointMatchesPyTorchEverywhere() throws IOException {
        compareAll("tokenizer_tiny.ckpt", "ckpt_expected_tokenizer", 400);
    }

    /** Every tensor the golden file lists is in the checkpoint with the same dtype class, shape and exact values. */
    private static void compareAll(String ckpt, String golden, int minFloats) throws IOException {
        Golden expected = Golden.load(golden);
        try (TorchCheckpoint c = TorchCheckpoint.open(resource(ckpt))) {
            Map<String, TensorRef> all = c.allTensors();
            assertEquals(expected.keys(), all.keySet(), "tensor paths");
            int floats = 0;
            for (var e : all.entrySet()) {
                TensorRef ref = e.getValue();
                Tensor want = expected.tensor(e.getKey());
                assertArrayEquals(want.shape(), ref.shape(), e.getKey() + " shape");
                if (want.isInt()) {
                    IOException err = assertThrows(IOException.class, () -> c.load(ref), e.getKey());
                    assertTrue(err.getMessage().contains("has dtype " + ref.dtypeName()), err.getMessage());
                    assertTrue(err.getMessage().contains("only float32, float16 and bfloat16"), err.getMessage());
                    continue;
                }
                Tensor got = c.load(ref);
                assertArrayEquals(want.shape(), got.shape(), e.getKey());
                assertArrayEquals(want.data(), got.data(), 0f, e.getKey() + " values");
                floats++;
            }
            assertTrue(floats >= minFloats, "compared " + floats + " float tensors");
        }
    }

    @Test
    void dtypesAndViewsAreDecoded() throws IOException {
        try (TorchCheckpoint c = TorchCheckpoint.open(resource("generator_tiny.ckpt"))) {
            Map<String, TensorRef> model = c.tensors("model");
            assertEquals(TorchDType.FLOAT16, model.get("z_proj.weight").dtype());
            assertEquals(TorchDType.BFLOAT16, model.get("encoder_pos_embed_learned").dtype());
            TensorRef transposed = model.get("encoder_blocks.0.mlp.fc1.weight");
            assertFalse(transposed.isContiguous());
            assertArrayEquals(new long[] {64, 16}, transposed.shape());
            assertArrayEquals(new long[] {1, 64}, transposed.stride());
            TensorRef sliced = model.get("diffloss.net.cond_embed.bias");
            assertEquals(96, sliced.offset());
            assertArrayEquals(new long[] {2}, sliced.stride());
            assertEquals("float32 [16] (view: stride [2], offset 96)", sliced.describe());
            assertEquals("model/diffloss.net.cond_embed.bias", sliced.name());
            // the same values through a path
            assertArrayEquals(c.load(sliced).data(), c.load("model/diffloss.net.cond_embed.bias").data(), 0f);
        }
    }

    @Test
    void structureAndMetadataLoadWithoutInterpretingThem() throws IOException {
        try (TorchCheckpoint c = TorchCheckpoint.open(resource("generator_tiny.ckpt"))) {
            assertEquals(List.of("model", "model_ema", "optimizer", "epoch", "scaler", "args"), c.topLevelKeys());
            assertEquals(3L, c.get("epoch"));
            assertEquals(65536.0, c.get("scaler/scale"));
            assertTrue(c.get("args") instanceof Pickle.PyObject o && o.type.qualified().equals("argparse.Namespace"));
            assertEquals(c.tensors("model").keySet(), c.tensors("model_ema").keySet());
            assertFalse(c.tensors("optimizer/state/63").isEmpty());
        }
        try (TorchCheckpoint c = TorchCheckpoint.open(resource("tokenizer_tiny.ckpt"))) {
            assertEquals("1.4.2", c.get("pytorch-lightning_version"));
            // a callback name with '/' in it still resolves
            Object cb = c.get("callbacks/ModelCheckpoint{'monitor': 'val/rec_loss', 'mode': 'min', 'every_n_train_steps': 0}"
                    + "/best_model_score");
            assertTrue(cb instanceof TensorRef);
            assertEquals(TorchDType.INT32, c.tensors("state_dict").get("ema_encoder.num_updates").dtype());
            IOException e = assertThrows(IOException.class, () -> c.tensors("state_dict/nope"));
            assertTrue(e.getMessage().contains("no entry 'nope' in 'state_dict'"), e.getMessage());
            e = assertThrows(IOException.class, () -> c.tensors("epoch"));
            assertTrue(e.getMessage().contains("'epoch' is an int, expected a dict"), e.getMessage());
        }
    }

    @Test
    void picklesOfProtocols2And4BuildTheSameValues() throws IOException {
        compareAll("pickle_protocol2.ckpt", "ckpt_expected_pickle", 5);
        compareAll("pickle_protocol4.ckpt", "ckpt_expected_pickle", 5);
        for (String name : List.of("pickle_protocol2.ckpt", "pickle_protocol4.ckpt")) {
            try (TorchCheckpoint c = TorchCheckpoint.open(resource(name))) {
                assertEquals("h\u00e9llo", c.get("meta/text"), name);
                assertArrayEquals(new byte[] {0, (byte) 0xff, 'a', 'b'}, (byte[]) c.get("meta/bytes"), name);
                assertEquals(java.math.BigInteger.ONE.shiftLeft(70), c.get("meta/big"), name);
                assertEquals(-5L, c.get("meta/negative"), name);
                assertEquals(70000L, c.get("meta/large"), name);
                assertEquals(1.5, c.get("meta/float"), name);
                assertEquals(java.util.Arrays.asList(true, false, null), c.get("meta/flags"), name);
                assertEquals(List.of(1L, "a"), c.get("meta/tuple"), name);
                assertEquals(java.util.Set.of(3L), c.get("meta/set"), name);
                assertEquals("int key", c.get("meta/nested/7"), name);
                TensorRef column = c.tensors("tensors").get("column");
                assertEquals(TorchDType.BFLOAT16, column.dtype());
                assertArrayEquals(new long[] {5}, column.stride());
                assertEquals(1, column.offset());
                // one storage pickled once, referenced twice (the memo)
                assertEquals(c.get("shared/0"), c.get("shared/1"));
            }
        }
    }

    // ------------------------------------------------------------ damaged files

    @Test
    void truncatedFileSaysSo(@TempDir Path dir) throws IOException {
        byte[] good = Files.readAllBytes(resource("generator_tiny.ckpt"));
        Path cut = dir.resolve("cut.ckpt");
        Files.write(cut, java.util.Arrays.copyOf(good, good.length / 2));
        IOException e = assertThrows(IOException.class, () -> TorchCheckpoint.open(cut));
        assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated or corrupt"), e.getMessage());
    }

    @Test
    void corruptPickleFailsItsCrc(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.ckpt");
        Files.write(bad, damage(resource("generator_tiny.ckpt"), "generator_tiny/data.pkl", 100));
        IOException e = assertThrows(IOException.class, () -> TorchCheckpoint.open(bad));
        assertTrue(e.getMessage().contains("generator_tiny/data.pkl fails its CRC check: the file is corrupt"), e.getMessage());
    }

    @Test
    void corruptStorageFailsItsCrcWhenRead(@TempDir Path dir) throws IOException {
        Path good = resource("generator_tiny.ckpt");
        String key;
        try (TorchCheckpoint c = TorchCheckpoint.open(good)) {
            key = c.tensors("model").get("class_emb.weight").storage().key();
        }
        Path bad = dir.resolve("bad.ckpt");
        Files.write(bad, damage(good, "generator_tiny/data/" + key, 5));
        try (TorchCheckpoint c = TorchCheckpoint.open(bad)) {
            c.load("model/fake_latent"); // other storages still read
            IOException e = assertThrows(IOException.class, () -> c.load("model/class_emb.weight"));
            assertTrue(e.getMessage().contains("storage '" + key + "' of tensor 'model/class_emb.weight' fails its CRC check"),
                    e.getMessage());
        }
    }

    @Test
    void corruptCentralDirectorySaysSo(@TempDir Path dir) throws IOException {
        byte[] b = Files.readAllBytes(resource("generator_tiny.ckpt"));
        for (int i = b.length - 200; i < b.length - 30; i++) {
            b[i] = (byte) 0xee;
        }
        Path bad = dir.resolve("bad.ckpt");
        Files.write(bad, b);
        IOException e = assertThrows(IOException.class, () -> TorchCheckpoint.open(bad));
        assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    }

    @Test
    void nonCheckpointFilesAreNamed(@TempDir Path dir) throws IOException {
        Path absent = dir.resolve("absent.ckpt");
        IOException missing = assertThrows(IOException.class, () -> TorchCheckpoint.open(absent));
        assertEquals(absent + ": no such file", missing.getMessage());

        Path text = dir.resolve("notes.ckpt");
        Files.writeString(text, "hello, not a checkpoint\n");
        IOException e = assertThrows(IOException.class, () -> TorchCheckpoint.open(text));
        assertTrue(e.getMessage().contains("not a PyTorch checkpoint: expected a zip archive (starting with 50 4b 03 04), "
                + "the file starts with 68 65 6c 6c 6f 2c 20 6e"), e.getMessage());

        Path empty = dir.resolve("empty.pth");
        Files.write(empty, new byte[0]);
        e = assertThrows(IOException.class, () -> TorchCheckpoint.open(empty));
        assertTrue(e.getMessage().contains("the file is empty"), e.getMessage());

        // written by torch.save(..., _use_new_zipfile_serialization=False)
        Path legacy = resource("legacy_format.pth");
        e = assertThrows(IOException.class, () -> TorchCheckpoint.open(legacy));
        assertTrue(e.getMessage().contains("saved with _use_new_zipfile_serialization=False"), e.getMessage());
        assertTrue(e.getMessage().contains("re-save it with torch>=1.6"), e.getMessage());

        Path pickle = dir.resolve("plain.pkl");
        Files.write(pickle, new byte[] {(byte) 0x80, 0x04, 0x4e, 0x2e});
        e = assertThrows(IOException.class, () -> TorchCheckpoint.open(pickle));
        assertTrue(e.getMessage().contains("a plain pickle stream (protocol 4), not a torch.save zip archive"), e.getMessage());

        Path zip = dir.resolve("other.zip");
        try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new ZipEntry("readme.txt"));
            out.write("hi".getBytes());
            out.closeEntry();
        }
        e = assertThrows(IOException.class, () -> TorchCheckpoint.open(zip));
        assertTrue(e.getMessage().contains("a zip archive without a <name>/data.pkl entry"), e.getMessage());
        assertTrue(e.getMessage().contains("[readme.txt]"), e.getMessage());
    }

    /** The file's bytes with {@code count} bytes of the entry's data flipped, starting 8 bytes in. */
    static byte[] damage(Path file, String entryName, int count) throws IOException {
        byte[] b = Files.readAllBytes(file);
        long dataStart;
        try (ZipFile z = new ZipFile(file.toFile())) {
            ZipEntry e = z.getEntry(entryName);
            assertNotNull(e, entryName);
            dataStart = localDataOffset(b, e);
            count = (int) Math.min(count, e.getSize() - 8);
        }
        for (int i = 0; i < count; i++) {
            b[(int) dataStart + 8 + i] ^= 0x5a;
        }
        return b;
    }

    /** Where an entry's data starts: after its local header (signature, 26 bytes, name, extra field). */
    private static long localDataOffset(byte[] b, ZipEntry e) {
        byte[] name = e.getName().getBytes();
        for (int i = 0; i + 30 + name.length < b.length; i++) {
            if (b[i] == 'P' && b[i + 1] == 'K' && b[i + 2] == 3 && b[i + 3] == 4
                    && java.util.Arrays.equals(b, i + 30, i + 30 + name.length, name, 0, name.length)) {
                int nameLen = (b[i + 26] & 0xff) | (b[i + 27] & 0xff) << 8;
                int extraLen = (b[i + 28] & 0xff) | (b[i + 29] & 0xff) << 8;
                return i + 30L + nameLen + extraLen;
            }
        }
        throw new AssertionError("no local header for " + e.getName());
    }
}
