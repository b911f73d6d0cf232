package eim.tasks.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad safetensors files: each fails with an IOException naming the file and the bad field, before allocating. */
class SafeTensorsTest {
    @TempDir Path dir;

    /** A file with {@code header} (JSON) and {@code dataBytes} zero data bytes. */
    private Path file(String name, String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        Path f = dir.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    private String error(Path f) {
        IOException e = assertThrows(IOException.class, () -> SafeTensors.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    /** readLazily: the same tensors as read, shapes without values, checks as strict. */
    @Test
    void lazyReadingGivesTheSameTensors(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("t.safetensors");
        SafeTensors.write(f, Map.of("a", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3), "b", Tensor.ofInts(new int[] {7, 8}, 2)),
                Map.of("kind", "test"));
        SafeTensors.Contents eager = SafeTensors.read(f), lazy = SafeTensors.readLazily(f);
        assertEquals(eager.metadata(), lazy.metadata());
        assertEquals(eager.tensors().keySet(), lazy.tensors().keySet());
        assertArrayEquals(new long[] {2, 3}, SafeTensors.shape(lazy.tensors(), "a"));
        assertArrayEquals(eager.get("a").floats(), lazy.get("a").floats());
        assertArrayEquals(eager.get("b").ints(), lazy.tensors().get("b").ints());
        assertEquals(null, lazy.tensors().get("c"));
        assertEquals(null, SafeTensors.shape(lazy.tensors(), "c"));
        Files.writeString(dir.resolve("bad.safetensors"), "not safetensors at all");
        assertThrows(IOException.class, () -> SafeTensors.readLazily(dir.resolve("bad.safetensors")));
    }

    @Test
    void goodFileReadsBack() throws IOException {
        Path f = file("ok.safetensors", "{\"__metadata__\":{\"k\":\"v\"},\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8);
        SafeTensors.Contents c = SafeTensors.read(f);
        assertArrayEquals(new float[2], c.get("t").data());
        assertEquals(Map.of("k", "v"), c.metadata());
        // a header of 0x280 bytes starts the file with 80 02, as a pickle does: still read as safetensors
        String json = "{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        Path padded = file("padded.safetensors", json + " ".repeat(0x280 - json.length()), 8);
        assertArrayEquals(new float[2], SafeTensors.read(padded).get("t").data());
    }

    @Test
    void missingAndIllTypedFieldsAreNamed() throws IOException {
        String[][] cases = {
            {"{\"t\":{\"shape\":[2],\"data_offsets\":[0,8]}}", "tensor 't' has no dtype"},
            {"{\"t\":{\"dtype\":7,\"shape\":[2],\"data_offsets\":[0,8]}}", "tensor 't' has dtype 7, not a string"},
            {"{\"t\":{\"dtype\":\"Q8\",\"shape\":[2],\"data_offsets\":[0,8]}}", "tensor 't' has dtype Q8; supported"},
            {"{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", "tensor 't' has no shape"},
            {"{\"t\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", "tensor 't' has shape \"2\", not an array"},
            {"{\"t\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]}}", "shape [1.5]: 1.5 is not a 64-bit integer"},
            {"{\"t\":{\"dtype\":\"F32\",\"shape\":[\"a\"],\"data_offsets\":[0,8]}}", "is not a 64-bit integer"},
            {"{\"t\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", "shape [-2]: -2 is negative"},
            {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2]}}", "tensor 't' has no data_offsets"},
            {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", "data_offsets [0], expected 2 integers"},
            {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", "data_offsets [-8,0]: -8 is negative"},
            {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,99999999999999999999]}}", "is not a 64-bit integer"},
            {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,9223372036854775807]}}", "but the file has 8 data bytes"},
            {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", "but the file has 8 data bytes"},
            {"{\"t\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", "whose size overflows"},
            {"{\"t\":{\"dtype\":\"F32\",\"shape\":[1073741824],\"data_offsets\":[0,4294967296]}}", "but the file has 8 data bytes"},
            {"{\"t\":[1,2]}", "tensor 't' is an array, not an object"},
            {"{\"__metadata__\":{\"k\":3}}", "__metadata__ 'k' is 3, not a string"},
            {"{\"__metadata__\":{\"k\":{\"a\":1}}}", "__metadata__ 'k' is an object, not a string"},
            {"{\"__metadata__\":[]}", "__metadata__ is an array, not an object"},
            {"[1,2,3]", "header is not a JSON object"},
            {"{\"t\":", "header is not a JSON object"},
        };
        for (int i = 0; i < cases.length; i++) {
            String m = error(file("bad" + i + ".safetensors", cases[i][0], 8));
            assertTrue(m.contains(cases[i][1]), cases[i][0] + " -> " + m);
        }
    }

    @Test
    void absurdHeaderLengthsAreRefusedBeforeAllocating() throws IOException {
        for (long len : new long[] {-1, 0, 1L << 62, 200L << 20, 1000}) {
            ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(len);
            Path f = dir.resolve("len" + (len & 0xffff) + ".safetensors");
            Files.write(f, b.array());
            assertTrue(error(f).contains("not a safetensors file (header length " + len), "length " + len);
        }
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertTrue(error(tiny).contains("only 3 bytes"));
    }

    @Test
    void aPyTorchCheckpointIsNamedAsOne() throws IOException {
        Path ckpt = dir.resolve("model.ckpt");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(ckpt))) {
            z.putNextEntry(new ZipEntry("archive/data.pkl"));
            z.write(new byte[] {(byte) 0x80, 2, '}', '.'});
            z.closeEntry();
        }
        String m = error(ckpt);
        assertTrue(m.contains("is a PyTorch checkpoint, not a safetensors file: convert it with 'eim import"), m);
        Path legacy = dir.resolve("legacy.pt");
        Files.write(legacy, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, 0, 0});
        assertTrue(error(legacy).contains("is a PyTorch checkpoint"));
        Path zip = dir.resolve("images.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
            z.putNextEntry(new ZipEntry("a.png"));
            z.closeEntry();
        }
        assertTrue(error(zip).contains("a zip archive, not a safetensors file"));
    }

    @Test
    void int64ValuesOutsideIntRangeAreNamed() throws IOException {
        byte[] json = "{\"l\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json).putLong(1L << 40);
        Path f = dir.resolve("i64.safetensors");
        Files.write(f, b.array());
        assertTrue(error(f).contains("tensor 'l' (I64) holds a value outside the 32-bit integer range"));
    }

    @Test
    void requireFiniteNamesWhereAndTheFirstBadIndex() {
        Tensor ok = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        assertEquals(ok, ok.requireFinite("x"));
        Tensor.ofInts(new int[] {1}, 1).requireFinite("labels");
        Tensor bad = Tensor.of(new float[] {1, 2, Float.NaN, Float.NEGATIVE_INFINITY}, 2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> bad.requireFinite("t.safetensors: tensor 'tokens'"));
        assertEquals("t.safetensors: tensor 'tokens': 2 of 4 values are NaN or infinite (the first, NaN, at index [1, 0])",
                e.getMessage());
    }
}
